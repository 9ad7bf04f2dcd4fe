/* sam-chat-reply.c — what came back from a model: text, tool calls, usage, why it stopped.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sam-chat-reply.h"

static const struct
{
  const char     *name;
  SamFinishReason reason;
} finish_reasons[] = {
  /* OpenAI and the servers that copy it */
  { "stop", SAM_FINISH_REASON_STOP },
  { "length", SAM_FINISH_REASON_LENGTH },
  { "tool_calls", SAM_FINISH_REASON_TOOL_CALLS },
  { "function_call", SAM_FINISH_REASON_TOOL_CALLS },
  { "content_filter", SAM_FINISH_REASON_CONTENT_FILTER },
  { "error", SAM_FINISH_REASON_ERROR },
  /* Anthropic */
  { "end_turn", SAM_FINISH_REASON_STOP },
  { "stop_sequence", SAM_FINISH_REASON_STOP },
  { "max_tokens", SAM_FINISH_REASON_LENGTH },
  { "tool_use", SAM_FINISH_REASON_TOOL_CALLS },
  { "refusal", SAM_FINISH_REASON_REFUSAL },
  { "pause_turn", SAM_FINISH_REASON_PAUSE },
  { "model_context_window_exceeded", SAM_FINISH_REASON_CONTEXT_WINDOW },
  /* Ollama's done_reason; "load" and "unload" only end empty requests */
  { "load", SAM_FINISH_REASON_STOP },
  { "unload", SAM_FINISH_REASON_STOP },
};

/* Unknown reasons are "stopped, reason unknown", as the OpenAI spec asks. */
SamFinishReason
sam_finish_reason_from_string (const char *reason)
{
  if (reason == NULL)
    return SAM_FINISH_REASON_NONE;

  for (guint i = 0; i < G_N_ELEMENTS (finish_reasons); i++)
    if (g_str_equal (reason, finish_reasons[i].name))
      return finish_reasons[i].reason;

  return SAM_FINISH_REASON_OTHER;
}

const char *
sam_finish_reason_to_string (SamFinishReason reason)
{
  switch (reason)
    {
    case SAM_FINISH_REASON_NONE:
      return "none";
    case SAM_FINISH_REASON_STOP:
      return "stop";
    case SAM_FINISH_REASON_LENGTH:
      return "length";
    case SAM_FINISH_REASON_TOOL_CALLS:
      return "tool-calls";
    case SAM_FINISH_REASON_CONTENT_FILTER:
      return "content-filter";
    case SAM_FINISH_REASON_REFUSAL:
      return "refusal";
    case SAM_FINISH_REASON_PAUSE:
      return "pause";
    case SAM_FINISH_REASON_CONTEXT_WINDOW:
      return "context-window";
    case SAM_FINISH_REASON_ERROR:
      return "error";
    case SAM_FINISH_REASON_OTHER:
    default:
      return "other";
    }
}

struct _SamChatReply
{
  GObject parent_instance;

  GString        *text;
  GString        *reasoning;
  GPtrArray      *tool_calls;
  char           *finish_reason_raw;
  SamFinishReason finish_reason;
  gint64          input_tokens;
  gint64          output_tokens;
};

G_DEFINE_FINAL_TYPE (SamChatReply, sam_chat_reply, G_TYPE_OBJECT)

static void
sam_chat_reply_finalize (GObject *object)
{
  SamChatReply *self = SAM_CHAT_REPLY (object);

  g_string_free (self->text, TRUE);
  g_string_free (self->reasoning, TRUE);
  g_ptr_array_unref (self->tool_calls);
  g_free (self->finish_reason_raw);

  G_OBJECT_CLASS (sam_chat_reply_parent_class)->finalize (object);
}

static void
sam_chat_reply_class_init (SamChatReplyClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sam_chat_reply_finalize;
}

static void
sam_chat_reply_init (SamChatReply *self)
{
  self->text = g_string_new (NULL);
  self->reasoning = g_string_new (NULL);
  self->tool_calls = g_ptr_array_new_with_free_func ((GDestroyNotify) sam_tool_call_free);
  self->input_tokens = -1;
  self->output_tokens = -1;
}

SamChatReply *
sam_chat_reply_new (void)
{
  return g_object_new (SAM_TYPE_CHAT_REPLY, NULL);
}

/* The text so far: the whole reply, or what arrived before an error or a stop. */
const char *
sam_chat_reply_get_text (SamChatReply *self)
{
  g_return_val_if_fail (SAM_IS_CHAT_REPLY (self), NULL);

  return self->text->str;
}

const char *
sam_chat_reply_get_reasoning (SamChatReply *self)
{
  g_return_val_if_fail (SAM_IS_CHAT_REPLY (self), NULL);

  return self->reasoning->str;
}

/**
 * sam_chat_reply_get_tool_calls:
 * @self: a #SamChatReply
 *
 * Returns: (transfer none) (element-type SamToolCall): the complete calls, arguments valid
 */
GPtrArray *
sam_chat_reply_get_tool_calls (SamChatReply *self)
{
  g_return_val_if_fail (SAM_IS_CHAT_REPLY (self), NULL);

  return self->tool_calls;
}

SamFinishReason
sam_chat_reply_get_finish_reason (SamChatReply *self)
{
  g_return_val_if_fail (SAM_IS_CHAT_REPLY (self), SAM_FINISH_REASON_NONE);

  return self->finish_reason;
}

/* The reason as the server spelled it, or NULL. */
const char *
sam_chat_reply_get_finish_reason_raw (SamChatReply *self)
{
  g_return_val_if_fail (SAM_IS_CHAT_REPLY (self), NULL);

  return self->finish_reason_raw;
}

/* -1 when the server did not say. */
gint64
sam_chat_reply_get_input_tokens (SamChatReply *self)
{
  g_return_val_if_fail (SAM_IS_CHAT_REPLY (self), -1);

  return self->input_tokens;
}

gint64
sam_chat_reply_get_output_tokens (SamChatReply *self)
{
  g_return_val_if_fail (SAM_IS_CHAT_REPLY (self), -1);

  return self->output_tokens;
}

void
sam_chat_reply_append_text (SamChatReply *self, const char *text)
{
  g_return_if_fail (SAM_IS_CHAT_REPLY (self));

  g_string_append (self->text, text);
}

void
sam_chat_reply_append_reasoning (SamChatReply *self, const char *text)
{
  g_return_if_fail (SAM_IS_CHAT_REPLY (self));

  g_string_append (self->reasoning, text);
}

void
sam_chat_reply_add_tool_call (SamChatReply *self, const SamToolCall *call)
{
  g_return_if_fail (SAM_IS_CHAT_REPLY (self));

  g_ptr_array_add (self->tool_calls, sam_tool_call_copy (call));
}

void
sam_chat_reply_set_finish_reason (SamChatReply *self, SamFinishReason reason, const char *raw)
{
  g_return_if_fail (SAM_IS_CHAT_REPLY (self));

  self->finish_reason = reason;
  g_free (self->finish_reason_raw);
  self->finish_reason_raw = g_strdup (raw);
}

/* Either count may be -1 to keep what is known (Anthropic sends them in two events). */
void
sam_chat_reply_set_usage (SamChatReply *self, gint64 input_tokens, gint64 output_tokens)
{
  g_return_if_fail (SAM_IS_CHAT_REPLY (self));

  if (input_tokens >= 0)
    self->input_tokens = input_tokens;
  if (output_tokens >= 0)
    self->output_tokens = output_tokens;
}
