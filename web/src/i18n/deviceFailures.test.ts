import { describe, expect, it } from "vitest";
import { canvasJpegEncoder, compressPhoto, PhotoPreparationError, PhotoTooLargeError } from "../attachments/compress.ts";
import { PushDeviceError, PushPermissionError, PushRefusedError, registerWithServer } from "../push/push.ts";
import type { TerrainClient } from "../supabase.ts";
import { photoFailureText, pushFailureText } from "./deviceFailures.ts";

/** Whatever `promise` rejects with. */
async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail("expected a failure"),
    (error: unknown) => error,
  );
}

describe("the photo screen's failures, in French", () => {
  it("an image this browser cannot decode", async () => {
    // happy-dom decodes no image: createImageBitmap rejects, as a browser does a format it cannot read.
    const failure = await failureOf(compressPhoto(new Blob([new Uint8Array([0xff, 0xd8, 0xff])], { type: "image/heic" })));
    expect(failure).toBeInstanceOf(PhotoPreparationError);
    expect(failure).toMatchObject({ failure: "unreadable" });
    expect(photoFailureText(failure, "fr")).toBe("Ce téléphone ne sait pas lire cette image : prenez la photo avec l’appareil photo, ou choisissez une image JPEG ou PNG.");
  });

  it("a device without a 2D canvas", async () => {
    // happy-dom has no 2D context, like a browser with canvas turned off.
    const failure = await failureOf(canvasJpegEncoder(document.createElement("canvas"))({ width: 40, height: 30 }, 0.85));
    expect(failure).toMatchObject({ failure: "no_canvas" });
    expect(photoFailureText(failure, "fr")).toBe("Ce téléphone ne permet pas de réduire la photo avant de l’enregistrer : mettez à jour le navigateur, ou prenez la photo avec un autre téléphone.");
  });

  it("a photo the device cannot encode, a photo too large, anything else", () => {
    expect(photoFailureText(new PhotoPreparationError("not_encoded", "The photo could not be encoded"), "fr"))
      .toBe("Ce téléphone n’a pas réussi à réduire la photo : réessayez, ou reprenez la photo.");
    expect(photoFailureText(new PhotoTooLargeError("The photo cannot be made smaller than 1000000 bytes"), "fr")).toBe("Photo trop lourde, même réduite.");
    expect(photoFailureText(new DOMException("The quota has been exceeded.", "QuotaExceededError"), "fr"))
      .toBe("La photo n'a pas pu être lue : The quota has been exceeded.");
  });

  it("English keeps the same meanings in English", () => {
    expect(photoFailureText(new PhotoPreparationError("no_canvas", "No 2D canvas on this device"), "en"))
      .toBe("This phone cannot shrink the photo before saving it: update the browser, or take the photo with another phone.");
  });
});

describe("the notifications screen's failures, in French", () => {
  it("a subscription the browser gave without keys: refused before the server is asked", async () => {
    const subscription = { endpoint: "https://push.example.test/1", toJSON: () => ({ endpoint: "https://push.example.test/1", keys: {} }) } as unknown as PushSubscription;
    // Never called: the refusal comes first.
    const server = null as unknown as TerrainClient;
    const failure = await failureOf(registerWithServer(server, subscription));
    expect(failure).toBeInstanceOf(PushDeviceError);
    expect(failure).toMatchObject({ failure: "no_keys" });
    expect(pushFailureText(failure, "fr"))
      .toBe("Le navigateur de ce téléphone n’a pas fourni de clés de notification : réessayez, ou mettez le navigateur à jour.");
  });

  it("a browser that cannot subscribe, a permission refused, a server refusal, anything else", () => {
    expect(pushFailureText(new PushDeviceError("not_subscribed", "The browser could not subscribe to its push service"), "fr"))
      .toBe("Le navigateur n’a pas pu s’abonner à son service de notifications : réessayez plus tard, ou utilisez un autre navigateur.");
    expect(pushFailureText(new PushPermissionError("denied"), "fr")).toBe("Notifications refusées : autorisez-les dans les réglages du navigateur.");
    // The server's refusal in French, as every refusal.
    expect(pushFailureText(new PushRefusedError({ code: "rate_limited", message: "Too many requests" }), "fr"))
      .toBe("Les notifications n'ont pas pu être modifiées : Trop de demandes en peu de temps. Réessayez dans un instant.");
    expect(pushFailureText(new TypeError("Failed to fetch"), "fr")).toBe("Les notifications n'ont pas pu être modifiées : Failed to fetch");
  });
});
