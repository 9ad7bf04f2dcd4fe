/* sam-chat-stream.h — the streaming loop the providers share (private to src/model/).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "sam-http.h"
#include "sam-provider.h"
#include "sam-stream-decoder.h"

G_BEGIN_DECLS

typedef struct _SamChatStream SamChatStream;

/**
 * SamChatStreamFrameFunc:
 * @stream: the stream; report what the frame says through sam_chat_stream_*()
 * @frame: one decoded event or line
 * @user_data: the provider's state for this reply
 * @error: set to end the reply with an error that arrived inside the stream
 *
 * Returns: %FALSE with @error set to fail the reply
 */
typedef gboolean (*SamChatStreamFrameFunc) (SamChatStream        *stream,
                                            const SamStreamFrame *frame,
                                            gpointer              user_data,
                                            GError              **error);

void     sam_chat_stream_run (SamProvider           *provider,
                              SamHttpRequest        *request,
                              SamStreamFormat        format,
                              SamChatStreamFrameFunc frame_func,
                              gpointer               frame_data,
                              GDestroyNotify         frame_destroy,
                              SamStreamEventFunc     event_func,
                              gpointer               event_data,
                              GDestroyNotify         event_destroy,
                              GCancellable          *cancellable,
                              GAsyncReadyCallback    callback,
                              gpointer               user_data);
void     sam_chat_stream_run_error (SamProvider        *provider,
                                    GError             *error,
                                    SamStreamEventFunc  event_func,
                                    gpointer            event_data,
                                    GDestroyNotify      event_destroy,
                                    GCancellable       *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer            user_data);
gboolean sam_chat_stream_run_finish (SamProvider   *provider,
                                     GAsyncResult  *result,
                                     SamChatReply **reply,
                                     GError       **error);

const char   *sam_chat_stream_get_name (SamChatStream *self);
SamChatReply *sam_chat_stream_get_reply (SamChatStream *self);
void          sam_chat_stream_text (SamChatStream *self, const char *text);
void          sam_chat_stream_reasoning (SamChatStream *self, const char *text);
void          sam_chat_stream_tool_delta (
             SamChatStream *self, gint64 index, const char *id, const char *name, const char *arguments);
void sam_chat_stream_tool_done (SamChatStream *self, gint64 index);
void sam_chat_stream_tools_done (SamChatStream *self);
void sam_chat_stream_tool_call (
    SamChatStream *self, gint64 index, const char *id, const char *name, const char *arguments);
void sam_chat_stream_usage (SamChatStream *self, gint64 input_tokens, gint64 output_tokens);
void sam_chat_stream_finish_reason (SamChatStream *self, const char *reason);
void sam_chat_stream_done (SamChatStream *self);
void sam_chat_stream_end (SamChatStream *self);

/* Shared by the providers. */
const char     *sam_json_get_string (JsonObject *object, const char *member);
JsonObject     *sam_json_get_object (JsonObject *object, const char *member);
JsonArray      *sam_json_get_array (JsonObject *object, const char *member);
gint64          sam_json_get_int (JsonObject *object, const char *member, gint64 fallback);
gboolean        sam_json_get_boolean (JsonObject *object, const char *member, gboolean fallback);
char           *sam_join_url (const char *base_url, const char *path);
gboolean        sam_url_is_loopback (const char *url);
const char     *sam_chat_role_to_string (SamChatRole role);
SamHttpRequest *sam_bearer_request_new (const char *api_root,
                                        const char *api_key,
                                        const char *method,
                                        const char *path);
void            sam_model_names_fetch (SamProvider        *provider,
                                       SamHttpRequest     *request,
                                       const char         *array_member,
                                       const char         *name_member,
                                       const char         *fallback_member,
                                       GCancellable       *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data);
char **sam_model_names_finish (SamProvider *provider, GAsyncResult *result, GError **error);

G_END_DECLS
