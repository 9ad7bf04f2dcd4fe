/* sam-chat-reply.h — what came back from a model: text, tool calls, usage, why it stopped.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "sam-chat-message.h"

G_BEGIN_DECLS

/**
 * SamFinishReason:
 * @SAM_FINISH_REASON_NONE: the reply did not finish (an error, a stop or a cut connection)
 * @SAM_FINISH_REASON_STOP: the model was done (`stop`, `end_turn`, `stop_sequence`)
 * @SAM_FINISH_REASON_LENGTH: the token limit cut it short (`length`, `max_tokens`)
 * @SAM_FINISH_REASON_TOOL_CALLS: the model wants tools to run (`tool_calls`, `tool_use`)
 * @SAM_FINISH_REASON_CONTENT_FILTER: a filter stopped it, possibly after text was shown
 * @SAM_FINISH_REASON_REFUSAL: the model refused
 * @SAM_FINISH_REASON_PAUSE: Anthropic paused a long turn (`pause_turn`)
 * @SAM_FINISH_REASON_CONTEXT_WINDOW: the context window filled up
 * @SAM_FINISH_REASON_ERROR: the server stopped it with an error (OpenRouter `error`)
 * @SAM_FINISH_REASON_OTHER: a reason this version does not know
 */
typedef enum
{
  SAM_FINISH_REASON_NONE,
  SAM_FINISH_REASON_STOP,
  SAM_FINISH_REASON_LENGTH,
  SAM_FINISH_REASON_TOOL_CALLS,
  SAM_FINISH_REASON_CONTENT_FILTER,
  SAM_FINISH_REASON_REFUSAL,
  SAM_FINISH_REASON_PAUSE,
  SAM_FINISH_REASON_CONTEXT_WINDOW,
  SAM_FINISH_REASON_ERROR,
  SAM_FINISH_REASON_OTHER,
} SamFinishReason;

SamFinishReason sam_finish_reason_from_string (const char *reason);
const char     *sam_finish_reason_to_string (SamFinishReason reason);

#define SAM_TYPE_CHAT_REPLY (sam_chat_reply_get_type ())

G_DECLARE_FINAL_TYPE (SamChatReply, sam_chat_reply, SAM, CHAT_REPLY, GObject)

SamChatReply   *sam_chat_reply_new (void);
const char     *sam_chat_reply_get_text (SamChatReply *self);
const char     *sam_chat_reply_get_reasoning (SamChatReply *self);
GPtrArray      *sam_chat_reply_get_tool_calls (SamChatReply *self);
SamFinishReason sam_chat_reply_get_finish_reason (SamChatReply *self);
const char     *sam_chat_reply_get_finish_reason_raw (SamChatReply *self);
gint64          sam_chat_reply_get_input_tokens (SamChatReply *self);
gint64          sam_chat_reply_get_output_tokens (SamChatReply *self);

/* For providers, while the reply streams in. */
void sam_chat_reply_append_text (SamChatReply *self, const char *text);
void sam_chat_reply_append_reasoning (SamChatReply *self, const char *text);
void sam_chat_reply_add_tool_call (SamChatReply *self, const SamToolCall *call);
void sam_chat_reply_set_finish_reason (SamChatReply *self, SamFinishReason reason, const char *raw);
void sam_chat_reply_set_usage (SamChatReply *self, gint64 input_tokens, gint64 output_tokens);

G_END_DECLS
