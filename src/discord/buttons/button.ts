import type { ButtonInteraction } from "discord.js";
import type { ButtonAction } from "../../render/button-ids.js";
import type { Handler } from "../pipeline/request.js";

/** A click: the interaction and the action its id names (src/render/button-ids.ts). */
export interface Click<A extends ButtonAction = ButtonAction> {
  readonly interaction: ButtonInteraction;
  readonly action: A;
}

/** A button's handler, run by the request pipeline like a command's. */
export type ButtonHandler<A extends ButtonAction = ButtonAction> = Handler<Click<A>>;
