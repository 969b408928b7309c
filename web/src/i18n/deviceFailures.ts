/**
 * What the technician's phone itself could not do (read or shrink a photo,
 * subscribe to notifications), in the technician's words. The errors keep
 * their English message and their class for the code that branches on them;
 * only what is shown is translated. A failure the app does not know keeps its
 * own message inside the screen's sentence, and a server refusal is shown as
 * every refusal is (apiErrors.ts).
 */
import { PhotoPreparationError, PhotoTooLargeError, type PhotoFailure } from "../attachments/compress.ts";
import { PushDeviceError, PushPermissionError, PushRefusedError, type PushFailure } from "../push/push.ts";
import { localizeApiError } from "./apiErrors.ts";
import { i18n } from "./index.ts";

const PHOTO_FAILURES: Record<PhotoFailure, string> = {
  unreadable: "mission.photos.unreadable",
  no_canvas: "mission.photos.noCanvas",
  not_encoded: "mission.photos.notEncoded",
};

const PUSH_FAILURES: Record<PushFailure, string> = {
  no_keys: "push.noKeys",
  not_subscribed: "push.notSubscribed",
};

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Why a photo could not be kept, for the photo screen. */
export function photoFailureText(error: unknown, language: string = i18n.language): string {
  const t = i18n.getFixedT(language);
  if (error instanceof PhotoTooLargeError) return t("mission.photos.tooLarge");
  if (error instanceof PhotoPreparationError) return t(PHOTO_FAILURES[error.failure]);
  return t("mission.photos.failed", { message: messageOf(error) });
}

/** Why notifications could not be turned on or off, for the notifications screen. */
export function pushFailureText(error: unknown, language: string = i18n.language): string {
  const t = i18n.getFixedT(language);
  if (error instanceof PushPermissionError) return t("push.denied");
  if (error instanceof PushDeviceError) return t(PUSH_FAILURES[error.failure]);
  const message = error instanceof PushRefusedError ? localizeApiError(error.refusal, language).message : messageOf(error);
  return t("push.failed", { message });
}
