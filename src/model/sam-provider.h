/* sam-provider.h — the interface every way of talking to a model implements.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "sam-chat-reply.h"
#include "sam-chat-request.h"
#include "sam-http.h"

G_BEGIN_DECLS

typedef enum
{
  SAM_STREAM_EVENT_TEXT_DELTA,
  SAM_STREAM_EVENT_REASONING_DELTA,
  SAM_STREAM_EVENT_TOOL_CALL_DELTA,
  SAM_STREAM_EVENT_TOOL_CALL,
  SAM_STREAM_EVENT_USAGE,
  SAM_STREAM_EVENT_RETRY,
  SAM_STREAM_EVENT_FINISH,
  SAM_STREAM_EVENT_ERROR,
} SamStreamEventType;

/**
 * SamStreamEvent:
 * @type: what happened
 * @text: TEXT_DELTA and REASONING_DELTA: the new text; RETRY: a status line for the user
 *   ("Anthropic is overloaded; retrying in 4 s…"); ERROR: the partial reply, kept
 * @index: TOOL_CALL_DELTA and TOOL_CALL: the call's position in this reply
 * @tool_call_id: TOOL_CALL_DELTA: the call's id, once known
 * @tool_name: TOOL_CALL_DELTA: the tool's name, once known
 * @arguments_delta: TOOL_CALL_DELTA: the next piece of the arguments' JSON text
 * @tool_call: TOOL_CALL: the complete call, its arguments a valid JSON object
 * @input_tokens: USAGE: prompt tokens, or -1
 * @output_tokens: USAGE: reply tokens so far, or -1
 * @finish_reason: FINISH: why the model stopped
 * @finish_reason_raw: FINISH: the reason as the server spelled it
 * @retry_attempt: RETRY: the number of the coming attempt, from 1
 * @retry_delay_ms: RETRY: how long until it
 * @error: RETRY: why; ERROR: the one error that ends the reply
 *
 * One event of a streamed reply. Everything in it belongs to the stream and is valid
 * during the callback only.
 */
typedef struct
{
  SamStreamEventType type;
  const char        *text;
  guint              index;
  const char        *tool_call_id;
  const char        *tool_name;
  const char        *arguments_delta;
  const SamToolCall *tool_call;
  gint64             input_tokens;
  gint64             output_tokens;
  SamFinishReason    finish_reason;
  const char        *finish_reason_raw;
  guint              retry_attempt;
  guint              retry_delay_ms;
  const GError      *error;
} SamStreamEvent;

#define SAM_TYPE_PROVIDER (sam_provider_get_type ())

G_DECLARE_INTERFACE (SamProvider, sam_provider, SAM, PROVIDER, GObject)

/**
 * SamStreamEventFunc:
 * @provider: the provider
 * @event: the event
 * @user_data: the data given to sam_provider_stream_chat_async()
 *
 * Called on the thread-default main context of the caller of
 * sam_provider_stream_chat_async(), in order, and never after its callback.
 */
typedef void (*SamStreamEventFunc) (SamProvider          *provider,
                                    const SamStreamEvent *event,
                                    gpointer              user_data);

struct _SamProviderInterface
{
  GTypeInterface parent_iface;

  const char *(*get_id) (SamProvider *self);
  const char *(*get_name) (SamProvider *self);
  const char *(*get_base_url) (SamProvider *self);
  const char *(*get_model) (SamProvider *self);
  SamHttpClient *(*get_http_client) (SamProvider *self);

  void (*stream_chat_async) (SamProvider        *self,
                             SamChatRequest     *request,
                             SamStreamEventFunc  event_func,
                             gpointer            event_data,
                             GDestroyNotify      event_destroy,
                             GCancellable       *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer            user_data);
  gboolean (*stream_chat_finish) (SamProvider   *self,
                                  GAsyncResult  *result,
                                  SamChatReply **reply,
                                  GError       **error);

  void (*list_models_async) (SamProvider        *self,
                             GCancellable       *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer            user_data);
  char **(*list_models_finish) (SamProvider *self, GAsyncResult *result, GError **error);

  void (*embed_async) (SamProvider        *self,
                       const char *const  *texts,
                       GCancellable       *cancellable,
                       GAsyncReadyCallback callback,
                       gpointer            user_data);
  GPtrArray *(*embed_finish) (SamProvider *self, GAsyncResult *result, GError **error);
};

char *sam_provider_name_for_url (const char *provider_id, const char *base_url);
char *sam_provider_api_root (const char *provider_id, const char *base_url);

const char    *sam_provider_get_id (SamProvider *self);
const char    *sam_provider_get_name (SamProvider *self);
const char    *sam_provider_get_base_url (SamProvider *self);
const char    *sam_provider_get_model (SamProvider *self);
SamHttpClient *sam_provider_get_http_client (SamProvider *self);

void     sam_provider_stream_chat_async (SamProvider        *self,
                                         SamChatRequest     *request,
                                         SamStreamEventFunc  event_func,
                                         gpointer            event_data,
                                         GDestroyNotify      event_destroy,
                                         GCancellable       *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer            user_data);
gboolean sam_provider_stream_chat_finish (SamProvider   *self,
                                          GAsyncResult  *result,
                                          SamChatReply **reply,
                                          GError       **error);

void   sam_provider_list_models_async (SamProvider        *self,
                                       GCancellable       *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data);
char **sam_provider_list_models_finish (SamProvider *self, GAsyncResult *result, GError **error);

gboolean   sam_provider_can_embed (SamProvider *self);
void       sam_provider_embed_async (SamProvider        *self,
                                     const char *const  *texts,
                                     GCancellable       *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer            user_data);
GPtrArray *sam_provider_embed_finish (SamProvider *self, GAsyncResult *result, GError **error);

G_END_DECLS
