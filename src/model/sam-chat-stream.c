/* sam-chat-stream.c — the streaming loop the providers share (private to src/model/).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "sam-chat-stream.h"
#include "sam-model-error.h"

#define READ_SIZE 16384

/* A tool call while its pieces arrive. */
typedef struct
{
  gint64   key;      /* the provider's index, or -1 */
  guint    position; /* its place among this reply's calls */
  char    *id;
  char    *name;
  GString *arguments;
  gboolean done;
} PendingCall;

static void
pending_call_free (gpointer data)
{
  PendingCall *call = data;

  g_free (call->id);
  g_free (call->name);
  g_string_free (call->arguments, TRUE);
  g_free (call);
}

struct _SamChatStream
{
  SamProvider      *provider; /* not owned: the task holds it */
  SamHttpClient    *http;
  SamHttpRequest   *request;
  char             *name;
  SamStreamDecoder *decoder;
  SamChatReply     *reply;
  GInputStream     *body;
  GPtrArray        *calls;
  GByteArray       *whole; /* a plain JSON answer where a stream was asked for */

  SamChatStreamFrameFunc frame_func;
  gpointer               frame_data;
  GDestroyNotify         frame_destroy;
  SamStreamEventFunc     event_func;
  gpointer               event_data;
  GDestroyNotify         event_destroy;

  gboolean done;
  guint8   buffer[READ_SIZE];
};

static void
sam_chat_stream_free (gpointer data)
{
  SamChatStream *self = data;

  /* Closing a body that was not read to its end makes libsoup drop the connection, so a
   * stopped reply really ends the request on the server's side too. */
  if (self->body)
    g_input_stream_close_async (self->body, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  g_clear_object (&self->body);

  if (self->frame_destroy)
    self->frame_destroy (self->frame_data);
  if (self->event_destroy)
    self->event_destroy (self->event_data);

  g_clear_pointer (&self->decoder, sam_stream_decoder_free);
  g_clear_pointer (&self->request, sam_http_request_free);
  g_clear_pointer (&self->calls, g_ptr_array_unref);
  g_clear_pointer (&self->whole, g_byte_array_unref);
  g_clear_object (&self->reply);
  g_clear_object (&self->http);
  g_free (self->name);
  g_free (self);
}

static void
emit (SamChatStream *self, SamStreamEvent *event)
{
  if (self->event_func)
    self->event_func (self->provider, event, self->event_data);
}

static void
complete (GTask *task, GError *error)
{
  SamChatStream *self = g_task_get_task_data (task);

  if (error == NULL)
    {
      SamStreamEvent event = { .type = SAM_STREAM_EVENT_FINISH };

      event.finish_reason = sam_chat_reply_get_finish_reason (self->reply);
      event.finish_reason_raw = sam_chat_reply_get_finish_reason_raw (self->reply);
      emit (self, &event);
      g_task_return_boolean (task, TRUE);
    }
  else
    {
      SamStreamEvent event = { .type = SAM_STREAM_EVENT_ERROR };

      g_debug ("%s: reply failed: %s", self->name, error->message);
      event.error = error;
      event.text = sam_chat_reply_get_text (self->reply);
      emit (self, &event);
      g_task_return_error (task, error);
    }

  /* Nothing may reach the caller after its callback. */
  self->event_func = NULL;
  g_object_unref (task);
}

static gboolean
frame_cb (const SamStreamFrame *frame, gpointer data, GError **error)
{
  SamChatStream *self = data;

  if (!self->frame_func (self, frame, self->frame_data, error))
    return FALSE;

  return !self->done;
}

static GError *
interrupted_error (SamChatStream *self)
{
  return g_error_new (SAM_MODEL_ERROR, SAM_MODEL_ERROR_NETWORK,
                      _ ("The connection to %s ended before the reply was complete; try again."),
                      self->name);
}

static void
end_of_reply (GTask *task)
{
  SamChatStream *self = g_task_get_task_data (task);

  /* Complete or cut off is decided by the finish reason the model sent, not by a closing
   * marker: some servers omit [DONE], others send it after an error. */
  if (sam_chat_reply_get_finish_reason (self->reply) == SAM_FINISH_REASON_NONE)
    complete (task, interrupted_error (self));
  else
    complete (task, NULL);
}

static gboolean
whole_body_frame (SamChatStream *self, GError **error)
{
  g_autofree char *data = g_utf8_make_valid ((const char *) self->whole->data, self->whole->len);
  SamStreamFrame   frame = { 0 };

  frame.data = data;
  frame.data_len = strlen (data);
  frame.at_eof = TRUE;

  return frame_cb (&frame, self, error);
}

static void
read_cb (GObject *object, GAsyncResult *result, gpointer data)
{
  GTask         *task = data;
  SamChatStream *self = g_task_get_task_data (task);
  GError        *error = NULL;
  gssize         n;

  n = sam_http_client_read_finish (self->http, result, &error);
  if (n < 0)
    {
      complete (task, error);
      return;
    }

  if (n == 0 && self->whole)
    {
      if (!whole_body_frame (self, &error) && error)
        complete (task, error);
      else
        end_of_reply (task);
      return;
    }

  if (n == 0)
    {
      if (!sam_stream_decoder_finish (self->decoder, frame_cb, self, &error) && error)
        complete (task, error);
      else
        end_of_reply (task);
      return;
    }

  if (self->whole)
    {
      if (self->whole->len + n > SAM_STREAM_DECODER_MAX_EVENT)
        {
          complete (task,
                    g_error_new (SAM_MODEL_ERROR, SAM_MODEL_ERROR_INVALID_RESPONSE,
                                 _ ("The answer from %s was too large to read."), self->name));
          return;
        }
      g_byte_array_append (self->whole, self->buffer, n);
    }
  else if (!sam_stream_decoder_feed (self->decoder, (const char *) self->buffer, n, frame_cb, self,
                                     &error))
    {
      if (error)
        complete (task, error);
      else
        end_of_reply (task);
      return;
    }

  sam_http_client_read_async (self->http, self->body, self->buffer, sizeof self->buffer, self->name,
                              g_task_get_cancellable (task), read_cb, task);
}

static void
retry_cb (const GError *error, guint attempt, guint delay_ms, gpointer data)
{
  SamChatStream   *self = data;
  SamStreamEvent   event = { .type = SAM_STREAM_EVENT_RETRY };
  g_autofree char *message = sam_model_error_retry_message (self->name, error, delay_ms);

  event.text = message;
  event.error = error;
  event.retry_attempt = attempt;
  event.retry_delay_ms = delay_ms;
  emit (self, &event);
}

static void
send_cb (GObject *object, GAsyncResult *result, gpointer data)
{
  GTask         *task = data;
  SamChatStream *self = g_task_get_task_data (task);
  GError        *error = NULL;

  g_autoptr (SoupMessage) message = NULL;
  const char *content_type;

  self->body = sam_http_client_send_finish (self->http, result, &message, &error);
  if (self->body == NULL)
    {
      complete (task, error);
      return;
    }

  /* Some servers and proxies ignore "stream": true and answer with one JSON document; it
   * is read whole and handed over as a single frame. */
  content_type =
      soup_message_headers_get_content_type (soup_message_get_response_headers (message), NULL);
  if (g_strcmp0 (content_type, "application/json") == 0 &&
      sam_stream_decoder_get_format (self->decoder) == SAM_STREAM_FORMAT_SSE)
    self->whole = g_byte_array_new ();

  sam_http_client_read_async (self->http, self->body, self->buffer, sizeof self->buffer, self->name,
                              g_task_get_cancellable (task), read_cb, task);
}

/**
 * sam_chat_stream_run:
 * @provider: the provider; the task's source object
 * @request: the HTTP request that asks for a streamed reply
 * @format: how the body is framed
 * @frame_func: reads each frame into events
 * @frame_data: the provider's state for this reply
 * @frame_destroy: (nullable): frees @frame_data
 * @event_func: (nullable): the caller's event callback
 * @event_data: for @event_func
 * @event_destroy: (nullable): frees @event_data
 * @cancellable: (nullable): stops the reply and closes the connection
 * @callback: called at the end
 * @user_data: for @callback
 *
 * Sends @request (with retries), reads the body as it arrives, and ends with one FINISH or
 * one ERROR event; the text that arrived is kept in the reply either way.
 */
void
sam_chat_stream_run (SamProvider           *provider,
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
                     gpointer               user_data)
{
  SamChatStream *self = g_new0 (SamChatStream, 1);
  GTask         *task;

  self->provider = provider;
  self->http = g_object_ref (sam_provider_get_http_client (provider));
  self->request = request;
  self->name = g_strdup (sam_provider_get_name (provider));
  self->decoder = sam_stream_decoder_new (format);
  self->reply = sam_chat_reply_new ();
  self->calls = g_ptr_array_new_with_free_func (pending_call_free);
  self->frame_func = frame_func;
  self->frame_data = frame_data;
  self->frame_destroy = frame_destroy;
  self->event_func = event_func;
  self->event_data = event_data;
  self->event_destroy = event_destroy;

  task = g_task_new (provider, cancellable, callback, user_data);
  g_task_set_source_tag (task, sam_chat_stream_run);
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, self, sam_chat_stream_free);

  sam_http_client_send_async (self->http, request, self->name, retry_cb, self, cancellable, send_cb,
                              task);
}

typedef struct
{
  GTask  *task;
  GError *error;
} EarlyError;

static gboolean
report_early_error (gpointer data)
{
  EarlyError *early = data;

  complete (early->task, early->error);
  g_free (early);

  return G_SOURCE_REMOVE;
}

/**
 * sam_chat_stream_run_error:
 * @provider: the provider
 * @error: (transfer full): why no request could be made
 * @event_func: (nullable): the caller's event callback
 * @event_data: for @event_func
 * @event_destroy: (nullable): frees @event_data
 * @cancellable: (nullable): the caller's cancellable
 * @callback: called with @error
 * @user_data: for @callback
 *
 * Ends a reply before it started (no model chosen, say) the way every failure ends: one
 * ERROR event from the main loop, then @callback.
 */
void
sam_chat_stream_run_error (SamProvider        *provider,
                           GError             *error,
                           SamStreamEventFunc  event_func,
                           gpointer            event_data,
                           GDestroyNotify      event_destroy,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  SamChatStream *self = g_new0 (SamChatStream, 1);
  EarlyError    *early = g_new0 (EarlyError, 1);
  GSource       *source;

  self->provider = provider;
  self->http = g_object_ref (sam_provider_get_http_client (provider));
  self->name = g_strdup (sam_provider_get_name (provider));
  self->reply = sam_chat_reply_new ();
  self->calls = g_ptr_array_new_with_free_func (pending_call_free);
  self->event_func = event_func;
  self->event_data = event_data;
  self->event_destroy = event_destroy;

  early->task = g_task_new (provider, cancellable, callback, user_data);
  g_task_set_source_tag (early->task, sam_chat_stream_run);
  g_task_set_check_cancellable (early->task, FALSE);
  g_task_set_task_data (early->task, self, sam_chat_stream_free);
  early->error = error;

  source = g_idle_source_new ();
  g_source_set_callback (source, report_early_error, early, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
}

gboolean
sam_chat_stream_run_finish (SamProvider   *provider,
                            GAsyncResult  *result,
                            SamChatReply **reply,
                            GError       **error)
{
  SamChatStream *self;

  g_return_val_if_fail (g_task_is_valid (result, provider), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sam_chat_stream_run, FALSE);

  self = g_task_get_task_data (G_TASK (result));
  if (reply)
    *reply = g_object_ref (self->reply);

  return g_task_propagate_boolean (G_TASK (result), error);
}

const char *
sam_chat_stream_get_name (SamChatStream *self)
{
  return self->name;
}

SamChatReply *
sam_chat_stream_get_reply (SamChatStream *self)
{
  return self->reply;
}

void
sam_chat_stream_text (SamChatStream *self, const char *text)
{
  SamStreamEvent event = { .type = SAM_STREAM_EVENT_TEXT_DELTA };

  if (text == NULL || *text == '\0')
    return;

  sam_chat_reply_append_text (self->reply, text);
  event.text = text;
  emit (self, &event);
}

void
sam_chat_stream_reasoning (SamChatStream *self, const char *text)
{
  SamStreamEvent event = { .type = SAM_STREAM_EVENT_REASONING_DELTA };

  if (text == NULL || *text == '\0')
    return;

  sam_chat_reply_append_reasoning (self->reply, text);
  event.text = text;
  emit (self, &event);
}

static PendingCall *
find_call (SamChatStream *self, gint64 index, const char *id)
{
  for (guint i = self->calls->len; i > 0; i--)
    {
      PendingCall *call = g_ptr_array_index (self->calls, i - 1);

      if (call->done)
        continue;

      if (index >= 0)
        {
          if (call->key != index)
            continue;
          /* Some servers reuse index 0 for every call and tell them apart by id. */
          if (id && *id && call->id && *call->id && !g_str_equal (id, call->id))
            return NULL;
          return call;
        }

      if (id && *id)
        {
          if (call->id && g_str_equal (call->id, id))
            return call;
          continue;
        }

      /* No index and no id (Gemini): the piece continues the latest call. */
      return call;
    }

  return NULL;
}

/**
 * sam_chat_stream_tool_delta:
 * @self: a #SamChatStream
 * @index: the provider's index for the call, or -1 when it sent none
 * @id: (nullable): the call's id, usually only in its first piece
 * @name: (nullable): the tool's name, usually only in the first piece
 * @arguments: (nullable): the next piece of the arguments' JSON text
 *
 * Collects a call's pieces; they are parsed only when the call is complete.
 */
void
sam_chat_stream_tool_delta (
    SamChatStream *self, gint64 index, const char *id, const char *name, const char *arguments)
{
  SamStreamEvent event = { .type = SAM_STREAM_EVENT_TOOL_CALL_DELTA };
  PendingCall   *call = find_call (self, index, id);

  if (call == NULL)
    {
      call = g_new0 (PendingCall, 1);
      call->key = index;
      call->position = self->calls->len;
      call->arguments = g_string_new (NULL);
      g_ptr_array_add (self->calls, call);
    }

  if (id && *id && call->id == NULL)
    call->id = g_strdup (id);
  if (name && *name && call->name == NULL)
    call->name = g_strdup (name);
  if (arguments)
    g_string_append (call->arguments, arguments);

  event.index = call->position;
  event.tool_call_id = call->id;
  event.tool_name = call->name;
  event.arguments_delta = arguments ? arguments : "";
  emit (self, &event);
}

static void
finish_call (SamChatStream *self, PendingCall *call)
{
  g_autoptr (SamToolCall) tool_call = NULL;
  g_autoptr (JsonObject) arguments = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *made_up_id = NULL;
  SamStreamEvent   event = { .type = SAM_STREAM_EVENT_TOOL_CALL };

  call->done = TRUE;

  if (call->id == NULL)
    made_up_id = g_strdup_printf ("call_%u", call->position);

  tool_call = sam_tool_call_new (call->id ? call->id : made_up_id, call->name,
                                 call->arguments->len ? call->arguments->str : "{}");

  /* A call cut off by the token limit, or without a name, must never run. */
  if (call->name == NULL || !(arguments = sam_tool_call_parse_arguments (tool_call, &error)))
    {
      g_debug ("%s: dropping incomplete tool call %u", self->name, call->position);
      return;
    }

  sam_chat_reply_add_tool_call (self->reply, tool_call);
  event.index = call->position;
  event.tool_call = tool_call;
  emit (self, &event);
}

/* The call with this index is complete (Anthropic's content_block_stop). */
void
sam_chat_stream_tool_done (SamChatStream *self, gint64 index)
{
  PendingCall *call = find_call (self, index, NULL);

  if (call)
    finish_call (self, call);
}

/* All calls are complete (OpenAI's finish_reason). */
void
sam_chat_stream_tools_done (SamChatStream *self)
{
  for (guint i = 0; i < self->calls->len; i++)
    {
      PendingCall *call = g_ptr_array_index (self->calls, i);

      if (!call->done)
        finish_call (self, call);
    }
}

/* A call that arrived whole, as Ollama sends them. */
void
sam_chat_stream_tool_call (
    SamChatStream *self, gint64 index, const char *id, const char *name, const char *arguments)
{
  PendingCall *call;

  /* Whole calls never continue an earlier one. */
  sam_chat_stream_tools_done (self);
  sam_chat_stream_tool_delta (self, index, id, name, arguments);
  call = g_ptr_array_index (self->calls, self->calls->len - 1);
  finish_call (self, call);
}

void
sam_chat_stream_usage (SamChatStream *self, gint64 input_tokens, gint64 output_tokens)
{
  SamStreamEvent event = { .type = SAM_STREAM_EVENT_USAGE };

  sam_chat_reply_set_usage (self->reply, input_tokens, output_tokens);
  event.input_tokens = sam_chat_reply_get_input_tokens (self->reply);
  event.output_tokens = sam_chat_reply_get_output_tokens (self->reply);
  emit (self, &event);
}

void
sam_chat_stream_finish_reason (SamChatStream *self, const char *reason)
{
  sam_chat_reply_set_finish_reason (self->reply, sam_finish_reason_from_string (reason), reason);
}

/* The stream's own end marker arrived: stop reading, whatever follows. */
void
sam_chat_stream_done (SamChatStream *self)
{
  self->done = TRUE;
}

/* The stream's end marker ([DONE], message_stop): the reply is over, and complete even if
 * no finish reason came ("stopped, reason unknown"). */
void
sam_chat_stream_end (SamChatStream *self)
{
  if (sam_chat_reply_get_finish_reason (self->reply) == SAM_FINISH_REASON_NONE)
    sam_chat_reply_set_finish_reason (self->reply, SAM_FINISH_REASON_OTHER, NULL);
  self->done = TRUE;
}

/* Tolerant JSON access: servers send null where strings belong, and fields come and go. */

const char *
sam_json_get_string (JsonObject *object, const char *member)
{
  JsonNode *node;

  if (object == NULL || !(node = json_object_get_member (object, member)))
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

JsonObject *
sam_json_get_object (JsonObject *object, const char *member)
{
  JsonNode *node;

  if (object == NULL || !(node = json_object_get_member (object, member)))
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return NULL;

  return json_node_get_object (node);
}

JsonArray *
sam_json_get_array (JsonObject *object, const char *member)
{
  JsonNode *node;

  if (object == NULL || !(node = json_object_get_member (object, member)))
    return NULL;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return NULL;

  return json_node_get_array (node);
}

gint64
sam_json_get_int (JsonObject *object, const char *member, gint64 fallback)
{
  JsonNode *node;

  if (object == NULL || !(node = json_object_get_member (object, member)))
    return fallback;
  if (!JSON_NODE_HOLDS_VALUE (node))
    return fallback;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      return json_node_get_int (node);
    case G_TYPE_DOUBLE:
      return (gint64) json_node_get_double (node);
    default:
      return fallback;
    }
}

gboolean
sam_json_get_boolean (JsonObject *object, const char *member, gboolean fallback)
{
  JsonNode *node;

  if (object == NULL || !(node = json_object_get_member (object, member)))
    return fallback;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return fallback;

  return json_node_get_boolean (node);
}

/* base_url + path, with exactly one slash between them. */
char *
sam_join_url (const char *base_url, const char *path)
{
  gsize length = strlen (base_url);

  while (length > 0 && base_url[length - 1] == '/')
    length--;
  while (*path == '/')
    path++;

  return g_strdup_printf ("%.*s/%s", (int) length, base_url, path);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/* TRUE when @url points at this computer: a local server needs no key and may need no
 * model name. */
gboolean
sam_url_is_loopback (const char *url)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  const char *host = uri ? g_uri_get_host (uri) : NULL;

  return host && (g_ascii_strcasecmp (host, "localhost") == 0 || g_str_equal (host, "127.0.0.1") ||
                  g_str_equal (host, "::1"));
}

/* A request to @api_root/@path that carries @api_key as `Authorization: Bearer`, or none. */
SamHttpRequest *
sam_bearer_request_new (const char *api_root,
                        const char *api_key,
                        const char *method,
                        const char *path)
{
  g_autofree char *uri = sam_join_url (api_root, path);
  SamHttpRequest  *request = sam_http_request_new (method, uri);

  if (api_key)
    {
      g_autofree char *bearer = g_strconcat ("Bearer ", api_key, NULL);

      sam_http_request_add_header (request, "Authorization", bearer);
      memset (bearer, 0, strlen (bearer));
    }
  else
    sam_http_request_set_anonymous (request, TRUE);

  return request;
}

const char *
sam_chat_role_to_string (SamChatRole role)
{
  switch (role)
    {
    case SAM_CHAT_ROLE_SYSTEM:
      return "system";
    case SAM_CHAT_ROLE_ASSISTANT:
      return "assistant";
    case SAM_CHAT_ROLE_TOOL:
      return "tool";
    case SAM_CHAT_ROLE_USER:
    default:
      return "user";
    }
}

typedef struct
{
  const char *array_member;
  const char *name_members[3];
} ModelListShape;

static void
fetch_model_names_cb (GObject *object, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const ModelListShape *shape = g_task_get_task_data (task);
  JsonArray            *models = NULL;

  root = sam_http_client_fetch_json_finish (SAM_HTTP_CLIENT (object), result, &error);
  if (root == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (JSON_NODE_HOLDS_OBJECT (root))
    models = sam_json_get_array (json_node_get_object (root), shape->array_member);

  for (guint i = 0; models && i < json_array_get_length (models); i++)
    {
      JsonNode *node = json_array_get_element (models, i);

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      for (guint j = 0; j < G_N_ELEMENTS (shape->name_members) && shape->name_members[j]; j++)
        {
          const char *name =
              sam_json_get_string (json_node_get_object (node), shape->name_members[j]);

          if (name)
            {
              g_ptr_array_add (names, g_strdup (name));
              break;
            }
        }
    }

  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  g_task_return_pointer (task, g_ptr_array_steal (names, NULL), (GDestroyNotify) g_strfreev);
}

/**
 * sam_model_names_fetch:
 * @provider: the provider asking
 * @request: the GET that lists the models
 * @array_member: the member of the answer holding the list
 * @name_member: the member of each element that names the model
 * @fallback_member: (nullable): the member to read when @name_member is missing
 *
 * Fetches the provider's model list; sam_model_names_finish() gives the names, sorted.
 */
void
sam_model_names_fetch (SamProvider        *provider,
                       SamHttpRequest     *request,
                       const char         *array_member,
                       const char         *name_member,
                       const char         *fallback_member,
                       GCancellable       *cancellable,
                       GAsyncReadyCallback callback,
                       gpointer            user_data)
{
  GTask          *task = g_task_new (provider, cancellable, callback, user_data);
  ModelListShape *shape = g_new0 (ModelListShape, 1);

  shape->array_member = array_member;
  shape->name_members[0] = name_member;
  shape->name_members[1] = fallback_member;
  g_task_set_source_tag (task, sam_model_names_fetch);
  g_task_set_task_data (task, shape, g_free);
  sam_http_client_fetch_json_async (sam_provider_get_http_client (provider), request,
                                    sam_provider_get_name (provider), cancellable,
                                    fetch_model_names_cb, task);
}

/* The list_models_finish of every provider: a NULL-terminated strv. */
char **
sam_model_names_finish (SamProvider *provider, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, provider), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
