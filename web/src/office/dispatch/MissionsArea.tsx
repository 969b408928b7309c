/** /office/missions: the board ("") and one mission ("/<id>"). */
import type { AreaProps } from "../areas.ts";
import { NotFound } from "../ui/index.ts";
import "./dispatch.css";
import "./i18n.ts";
import { MissionBoard } from "./MissionBoard.tsx";
import { MissionDetail } from "./MissionDetail.tsx";
import { UUID } from "../ui/urlState.ts";

export default function MissionsArea({ path, base }: AreaProps) {
  if (path === "" || path === "/") return <MissionBoard base={base} />;
  const id = path.slice(1);
  if (UUID.test(id)) return <MissionDetail key={id} id={id.toLowerCase()} base={base} />;
  return <NotFound />;
}
