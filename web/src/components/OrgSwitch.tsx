import { useTranslation } from "react-i18next";
import type { Membership } from "../workspace.ts";

/**
 * For someone in several organizations: which one they work in now. The role held there picks
 * the app (docs/conventions.md, "The web app: one app per role"), so switching may open another
 * app. Nothing is shown to someone in one organization.
 */
export function OrgSwitch({ memberships, current, onSwitch }: { memberships: Membership[]; current: string; onSwitch: (orgId: string) => void }) {
  const { t } = useTranslation();
  if (memberships.length < 2) return null;
  return (
    <label className="org-switch">
      <span className="visually-hidden">{t("nav.organization")}</span>
      <select value={current} onChange={(event) => onSwitch(event.target.value)} data-testid="org-switch">
        {memberships.map((membership) => (
          <option key={membership.orgId} value={membership.orgId}>
            {membership.orgName} · {t(`nav.role.${membership.role}`)}
          </option>
        ))}
      </select>
    </label>
  );
}
