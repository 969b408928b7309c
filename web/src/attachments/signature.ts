/**
 * How the client's signature is told apart from the mission's photos: it is a
 * PNG photo of the mission under this name (mission_photo accepts image/png).
 * A module of its own, without the outbox, so the client portal reads it
 * without loading the technician's offline code.
 */
export const SIGNATURE_NAME = "signature-client.png";

export function isSignature(name: string | null | undefined): boolean {
  return name === SIGNATURE_NAME;
}
