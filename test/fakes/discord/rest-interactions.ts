/*
 * REST handlers for interactions: the callback (3 s deadline, single acknowledgement),
 * the interaction webhook's `@original` / message ids, and follow-ups (the first one
 * after a deferred reply replaces the "thinking" message, as Discord does).
 */
import { performance } from "node:perf_hooks";
import { InteractionResponseType, InteractionType, MessageType, type APIMessage } from "discord.js";
import type { FakeGateway } from "./gateway.js";
import { EPHEMERAL, LOADING, type FakeState, type InteractionState, type StoredMessage } from "./state.js";
import { asRecord, errorBody, formError, hasContent, iso, notFound, type Json, type Reply, type RequestContext } from "./util.js";

export class InteractionHandlers {
  constructor(
    private readonly state: FakeState,
    private readonly gateway: FakeGateway,
    private readonly deadlineMs: number,
  ) {}

  callback(ctx: RequestContext, id: string, token: string): Reply {
    const { state: world } = this;
    const state = world.interactions.get(token);
    if (!state || state.id !== id) return notFound(10062, "Unknown interaction");
    if (performance.now() - state.sentAt > this.deadlineMs) return notFound(10062, "Unknown interaction");
    if (state.callbackType !== null) return { status: 400, body: errorBody(40060, "Interaction has already been acknowledged.") };
    const body = asRecord(ctx.body);
    const type = body.type;
    const data = asRecord(body.data);
    const allowed: Record<number, number[]> = {
      [InteractionType.ApplicationCommand]: [4, 5, 9, 12],
      [InteractionType.MessageComponent]: [4, 5, 6, 7, 9, 12],
      [InteractionType.ApplicationCommandAutocomplete]: [8],
      [InteractionType.ModalSubmit]: [4, 5, 6, 7],
    };
    if (typeof type !== "number" || !(allowed[state.type] ?? []).includes(type)) {
      return formError("type", "INTERACTION_RESPONSE_TYPE_INVALID", "Invalid interaction response type");
    }

    let message: StoredMessage | null = null;
    switch (type) {
      case InteractionResponseType.ChannelMessageWithSource: {
        if (!hasContent(data)) return { status: 400, body: errorBody(50006, "Cannot send an empty message") };
        message = this.interactionMessage(state, data, false);
        break;
      }
      case InteractionResponseType.DeferredChannelMessageWithSource: {
        message = this.interactionMessage(state, { flags: typeof data.flags === "number" ? data.flags : 0 }, true);
        break;
      }
      case InteractionResponseType.UpdateMessage: {
        const target = state.componentMessageId ? world.messages.get(state.componentMessageId) : undefined;
        if (target) {
          world.applyMessageFields(target, data);
          target.edited_timestamp = iso();
          this.gateway.echo("MESSAGE_UPDATE", target);
          message = target;
        }
        state.originalMessageId = state.componentMessageId;
        break;
      }
      case InteractionResponseType.DeferredMessageUpdate:
        state.originalMessageId = state.componentMessageId;
        break;
      case InteractionResponseType.ApplicationCommandAutocompleteResult: {
        const choices = Array.isArray(data.choices) ? data.choices : null;
        if (!choices) return formError("data.choices", "BASE_TYPE_REQUIRED", "This field is required");
        if (choices.length > 25) return formError("data.choices", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.");
        break;
      }
      default:
        break;
    }
    state.callbackType = type;

    if (ctx.query.with_response === "true") {
      return {
        status: 200,
        body: {
          interaction: {
            id: state.id,
            type: state.type,
            response_message_id: message?.id,
            response_message_loading: message ? ((message.flags ?? 0) & LOADING) !== 0 : undefined,
            response_message_ephemeral: message ? ((message.flags ?? 0) & EPHEMERAL) !== 0 : undefined,
          },
          resource: { type, ...(message ? { message: world.restMessage(message) } : {}) },
        },
      };
    }
    return { status: 204 };
  }

  private interactionMessage(state: InteractionState, data: Json, loading: boolean): StoredMessage {
    const isCommand = state.type === InteractionType.ApplicationCommand;
    const world = this.state;
    const message = world.newMessage(state.channelId, world.botUser, data, isCommand ? MessageType.ChatInputCommand : MessageType.Default);
    if (loading) message.flags = (message.flags ?? 0) | LOADING;
    message.webhook_id = world.applicationId;
    message.application_id = world.applicationId;
    message.interaction_metadata = {
      id: state.id,
      type: state.type,
      user: state.user,
      authorizing_integration_owners: { "0": world.guildId },
      ...(state.componentMessageId ? { interacted_message_id: state.componentMessageId } : {}),
    } as APIMessage["interaction_metadata"];
    state.originalMessageId = message.id;
    this.gateway.echo("MESSAGE_CREATE", message);
    return message;
  }

  /** GET / PATCH / DELETE /webhooks/{app}/{token}/messages/{@original|id}. */
  webhookMessage(ctx: RequestContext, appId: string, token: string, which: string): Reply {
    const world = this.state;
    const state = world.interactions.get(token);
    if (!state || appId !== world.applicationId) return notFound(10015, "Unknown Webhook");
    const id = which === "@original" ? state.originalMessageId : which;
    const message = id ? world.messages.get(id) : undefined;
    if (!message) return notFound(10008, "Unknown Message");
    if (ctx.method === "GET") return { status: 200, body: world.restMessage(message) };
    if (ctx.method === "DELETE") {
      world.messages.delete(message.id);
      if (message.id === state.originalMessageId) state.originalMessageId = null;
      this.gateway.echoDelete(message);
      return { status: 204 };
    }
    const body = asRecord(ctx.body);
    const wasLoading = ((message.flags ?? 0) & LOADING) !== 0;
    const ephemeral = (message.flags ?? 0) & EPHEMERAL;
    const edited = structuredClone(message);
    world.applyMessageFields(edited, { ...body, flags: undefined });
    if (!hasContent(edited as unknown as Json)) return { status: 400, body: errorBody(50006, "Cannot send an empty message") };
    Object.assign(message, edited);
    message.flags = ((message.flags ?? 0) & ~LOADING) | ephemeral;
    if (!wasLoading) message.edited_timestamp = iso();
    this.gateway.echo("MESSAGE_UPDATE", message);
    return { status: 200, body: world.restMessage(message) };
  }

  /** POST /webhooks/{app}/{token}. */
  followUp(ctx: RequestContext, appId: string, token: string): Reply {
    const world = this.state;
    const state = world.interactions.get(token);
    if (!state || appId !== world.applicationId || state.callbackType === null) return notFound(10015, "Unknown Webhook");
    const body = asRecord(ctx.body);
    if (!hasContent(body) && ctx.files.length === 0) return { status: 400, body: errorBody(50006, "Cannot send an empty message") };
    const original = state.originalMessageId ? world.messages.get(state.originalMessageId) : undefined;
    let message: StoredMessage;
    if (original && (original.flags ?? 0) & LOADING) {
      // Discord: the first follow-up after a deferred reply replaces the "thinking" message.
      const ephemeral = (original.flags ?? 0) & EPHEMERAL;
      world.applyMessageFields(original, { ...body, flags: undefined });
      original.flags = ((original.flags ?? 0) & ~LOADING) | ephemeral;
      this.gateway.echo("MESSAGE_UPDATE", original);
      message = original;
    } else {
      message = world.newMessage(state.channelId, world.botUser, body);
      message.webhook_id = world.applicationId;
      message.application_id = world.applicationId;
      this.gateway.echo("MESSAGE_CREATE", message);
    }
    return ctx.query.wait === "false" ? { status: 204 } : { status: 200, body: world.restMessage(message) };
  }
}
