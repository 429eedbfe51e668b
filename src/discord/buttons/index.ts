import type { ButtonAction } from "../../render/button-ids.js";
import type { ButtonHandler } from "./button.js";
import { feedbackButton } from "./feedback.js";
import { sourcesButton } from "./sources.js";

/** The handler for each kind of button (ids: src/render/button-ids.ts). */
export const BUTTONS: { readonly [K in ButtonAction["kind"]]: ButtonHandler<Extract<ButtonAction, { kind: K }>> } = {
  sources: sourcesButton,
  feedback: feedbackButton,
};
