/* sam-http.c — HTTP for the providers: sessions, timeouts, retries that honour the server.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "sam-http.h"
#include "sam-model-error.h"

#define ERROR_BODY_LIMIT (64 * 1024)
#define JSON_BODY_LIMIT  (32 * 1024 * 1024)

/* The SDKs' policy (openai-python and anthropic-sdk-python, _base_client.py): a delay the
 * server asks for is honoured up to a minute, otherwise 0.5 s doubling up to 8 s, less up
 * to a quarter of jitter; two retries. */
#define MAX_SERVER_DELAY_MS 60000
#define INITIAL_BACKOFF_MS  500
#define MAX_BACKOFF_MS      8000
#define DEFAULT_MAX_RETRIES 2

struct _SamHttpRequest
{
  char   *method;
  char   *uri;
  GArray *headers; /* pairs of char * */
  GBytes *body;
  guint   anonymous : 1;
};

static void
clear_header (gpointer data)
{
  g_free (*(char **) data);
}

SamHttpRequest *
sam_http_request_new (const char *method, const char *uri)
{
  SamHttpRequest *self = g_rc_box_new0 (SamHttpRequest);

  self->method = g_strdup (method);
  self->uri = g_strdup (uri);
  self->headers = g_array_new (FALSE, FALSE, sizeof (char *));
  g_array_set_clear_func (self->headers, clear_header);

  return self;
}

static void
sam_http_request_clear (gpointer data)
{
  SamHttpRequest *self = data;

  g_free (self->method);
  g_free (self->uri);
  g_array_unref (self->headers);
  g_clear_pointer (&self->body, g_bytes_unref);
}

void
sam_http_request_free (SamHttpRequest *self)
{
  if (self)
    g_rc_box_release_full (self, sam_http_request_clear);
}

static SamHttpRequest *
sam_http_request_ref (SamHttpRequest *self)
{
  return g_rc_box_acquire (self);
}

const char *
sam_http_request_get_uri (SamHttpRequest *self)
{
  return self->uri;
}

void
sam_http_request_add_header (SamHttpRequest *self, const char *name, const char *value)
{
  char *name_copy = g_strdup (name);
  char *value_copy = g_strdup (value);

  g_array_append_val (self->headers, name_copy);
  g_array_append_val (self->headers, value_copy);
}

void
sam_http_request_set_json_body (SamHttpRequest *self, JsonNode *body)
{
  g_autofree char *text = json_to_string (body, FALSE);
  gsize            length = strlen (text);

  g_clear_pointer (&self->body, g_bytes_unref);
  self->body = g_bytes_new_take (g_steal_pointer (&text), length);
}

/* No key was sent: a 401 then means "add one", not "yours was refused". */
void
sam_http_request_set_anonymous (SamHttpRequest *self, gboolean anonymous)
{
  self->anonymous = !!anonymous;
}

static SoupMessage *
sam_http_request_build (SamHttpRequest *self)
{
  SoupMessage        *message = soup_message_new (self->method, self->uri);
  SoupMessageHeaders *headers;

  if (message == NULL)
    return NULL;

  headers = soup_message_get_request_headers (message);
  for (guint i = 0; i + 1 < self->headers->len; i += 2)
    soup_message_headers_replace (headers, g_array_index (self->headers, char *, i),
                                  g_array_index (self->headers, char *, i + 1));

  if (self->body)
    soup_message_set_request_body_from_bytes (message, "application/json", self->body);

  return message;
}

struct _SamHttpClient
{
  GObject parent_instance;

  SoupSession *session;
  guint        connect_timeout_ms;
  guint        idle_timeout_ms;
  guint        max_retries;
  double       delay_scale;
};

G_DEFINE_FINAL_TYPE (SamHttpClient, sam_http_client, G_TYPE_OBJECT)

static void
sam_http_client_finalize (GObject *object)
{
  SamHttpClient *self = SAM_HTTP_CLIENT (object);

  g_clear_object (&self->session);

  G_OBJECT_CLASS (sam_http_client_parent_class)->finalize (object);
}

static void
sam_http_client_class_init (SamHttpClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sam_http_client_finalize;
}

static void
sam_http_client_init (SamHttpClient *self)
{
  const char *scale = g_getenv ("SAMANTHA_RETRY_DELAY_SCALE");

  /* libsoup's own socket timeout is off: ours below tell connecting from waiting, and a
   * model that thinks for a minute before its first token is not a dead server. TLS uses the
   * system's certificate database and "accept-certificate" is never handled, so an invalid
   * certificate always fails the request. */
  self->session =
      soup_session_new_with_options ("user-agent", "Samantha/" PACKAGE_VERSION, "timeout", 0,
                                     "idle-timeout", 60, "max-conns-per-host", 6, NULL);
  self->connect_timeout_ms = 15 * 1000;
  self->idle_timeout_ms = 120 * 1000;
  self->max_retries = DEFAULT_MAX_RETRIES;
  self->delay_scale = 1.0;

  /* Tests shrink the servers' retry delays to keep the suite fast. */
  if (scale && *scale)
    self->delay_scale = CLAMP (g_ascii_strtod (scale, NULL), 0.0, 1.0);
}

SamHttpClient *
sam_http_client_new (void)
{
  return g_object_new (SAM_TYPE_HTTP_CLIENT, NULL);
}

SoupSession *
sam_http_client_get_session (SamHttpClient *self)
{
  g_return_val_if_fail (SAM_IS_HTTP_CLIENT (self), NULL);

  return self->session;
}

/**
 * sam_http_client_set_timeouts:
 * @self: a #SamHttpClient
 * @connect_timeout_ms: how long connecting (and the TLS handshake) may take
 * @idle_timeout_ms: how long the server may stay silent, before the headers or between reads
 */
void
sam_http_client_set_timeouts (SamHttpClient *self, guint connect_timeout_ms, guint idle_timeout_ms)
{
  g_return_if_fail (SAM_IS_HTTP_CLIENT (self));

  self->connect_timeout_ms = MAX (1, connect_timeout_ms);
  self->idle_timeout_ms = MAX (1, idle_timeout_ms);
}

guint
sam_http_client_get_connect_timeout (SamHttpClient *self)
{
  g_return_val_if_fail (SAM_IS_HTTP_CLIENT (self), 0);

  return self->connect_timeout_ms;
}

guint
sam_http_client_get_idle_timeout (SamHttpClient *self)
{
  g_return_val_if_fail (SAM_IS_HTTP_CLIENT (self), 0);

  return self->idle_timeout_ms;
}

void
sam_http_client_set_max_retries (SamHttpClient *self, guint max_retries)
{
  g_return_if_fail (SAM_IS_HTTP_CLIENT (self));

  self->max_retries = max_retries;
}

/* For tests: multiplies every retry delay, the servers' included. */
void
sam_http_client_set_delay_scale (SamHttpClient *self, double scale)
{
  g_return_if_fail (SAM_IS_HTTP_CLIENT (self));

  self->delay_scale = CLAMP (scale, 0.0, 1.0);
}

/**
 * sam_http_retry_after:
 * @headers: a response's headers
 * @delay_ms: (out): the delay the server asked for
 *
 * Reads `retry-after-ms`, then `retry-after` as seconds (possibly fractional) or as an HTTP
 * date. A delay over a minute, or none at all, is left to backoff.
 *
 * Returns: %TRUE when the server asked for a usable delay
 */
gboolean
sam_http_retry_after (SoupMessageHeaders *headers, guint *delay_ms)
{
  const char *value;
  double      ms = -1;
  char       *end = NULL;

  if (headers == NULL)
    return FALSE;

  if ((value = soup_message_headers_get_one (headers, "retry-after-ms")))
    {
      double parsed = g_ascii_strtod (value, &end);

      if (end != value && *end == '\0' && isfinite (parsed))
        ms = parsed;
    }

  if (ms < 0 && (value = soup_message_headers_get_one (headers, "retry-after")))
    {
      double parsed = g_ascii_strtod (value, &end);

      while (end && g_ascii_isspace (*end))
        end++;

      if (end != value && *end == '\0' && isfinite (parsed))
        ms = parsed * 1000.0;
      else
        {
          g_autoptr (GDateTime) date = soup_date_time_new_from_http_string (value);
          g_autoptr (GDateTime) now = g_date_time_new_now_utc ();

          if (date)
            ms = g_date_time_difference (date, now) / 1000.0;
        }
    }

  if (!(ms > 0 && ms <= MAX_SERVER_DELAY_MS))
    return FALSE;

  *delay_ms = (guint) ceil (ms);
  return TRUE;
}

/**
 * sam_http_backoff_delay:
 * @attempt: 0 for the first retry
 *
 * Returns: 0.5 s doubling up to 8 s, less up to 25 % jitter, in milliseconds
 */
guint
sam_http_backoff_delay (guint attempt)
{
  double delay = MIN (INITIAL_BACKOFF_MS * pow (2.0, MIN (attempt, 16)), MAX_BACKOFF_MS);

  return (guint) (delay * (1.0 - 0.25 * g_random_double ()));
}

static GSource *
attach_timeout (guint ms, GSourceFunc func, gpointer data)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, data, NULL);
  g_source_set_static_name (source, "[samantha] http timer");
  g_source_attach (source, g_main_context_get_thread_default ());

  return source;
}

static void
destroy_source (GSource **source)
{
  if (*source)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

/* A cancellable for one I/O step that the caller's cancellable or a timer can cancel; the
 * timer marks it as timed out, so the failure reads as a timeout and not as a stop. */
typedef struct
{
  GCancellable *cancellable;
  GCancellable *parent;
  gulong        parent_id;
  GSource      *timer;
  gboolean      timed_out;
} Deadline;

static void
deadline_parent_cancelled (GCancellable *parent, gpointer data)
{
  g_cancellable_cancel (G_CANCELLABLE (data));
}

static void
deadline_start (Deadline *deadline, GCancellable *parent)
{
  deadline->cancellable = g_cancellable_new ();
  deadline->timed_out = FALSE;
  if (parent)
    {
      deadline->parent = g_object_ref (parent);
      deadline->parent_id = g_cancellable_connect (parent, G_CALLBACK (deadline_parent_cancelled),
                                                   deadline->cancellable, NULL);
    }
}

static gboolean
deadline_expired (gpointer data)
{
  Deadline *deadline = data;

  g_clear_pointer (&deadline->timer, g_source_unref);
  deadline->timed_out = TRUE;
  g_cancellable_cancel (deadline->cancellable);

  return G_SOURCE_REMOVE;
}

static void
deadline_arm (Deadline *deadline, guint ms)
{
  destroy_source (&deadline->timer);
  deadline->timer = attach_timeout (ms, deadline_expired, deadline);
}

static void
deadline_stop (Deadline *deadline)
{
  destroy_source (&deadline->timer);
  if (deadline->parent)
    g_cancellable_disconnect (deadline->parent, deadline->parent_id);
  deadline->parent_id = 0;
  g_clear_object (&deadline->parent);
  g_clear_object (&deadline->cancellable);
}

/* Sending, with retries. */

static void network_event_cb (SoupMessage       *message,
                              GSocketClientEvent event,
                              GIOStream         *connection,
                              gpointer           data);
static void wrote_headers_cb (SoupMessage *message, gpointer data);

/* The message outlives the task when the caller keeps it (sam_http_client_send_finish()). */
static void
forget_message (SoupMessage **message)
{
  if (*message)
    {
      g_signal_handlers_disconnect_matched (*message, G_SIGNAL_MATCH_FUNC, 0, 0, NULL,
                                            network_event_cb, NULL);
      g_signal_handlers_disconnect_matched (*message, G_SIGNAL_MATCH_FUNC, 0, 0, NULL,
                                            wrote_headers_cb, NULL);
    }
  g_clear_object (message);
}

typedef struct
{
  SamHttpRequest  *request;
  char            *provider_name;
  GUri            *uri;
  SamHttpRetryFunc retry_func;
  gpointer         retry_data;
  guint            attempt;
  SoupMessage     *message;
  GInputStream    *stream;
  Deadline         deadline;
  gboolean         connected;
  GByteArray      *error_body;
  GSource         *wait_source;
  GSource         *cancel_source;
  guint8           buffer[8192];
} SendData;

static void
send_data_free (gpointer data)
{
  SendData *send = data;

  deadline_stop (&send->deadline);
  destroy_source (&send->wait_source);
  destroy_source (&send->cancel_source);
  forget_message (&send->message);
  g_clear_object (&send->stream);
  g_clear_pointer (&send->error_body, g_byte_array_unref);
  g_clear_pointer (&send->uri, g_uri_unref);
  g_clear_pointer (&send->provider_name, g_free);
  g_clear_pointer (&send->request, sam_http_request_free);
  g_free (send);
}

static void send_attempt (GTask *task);

static void
send_return_error (GTask *task, GError *error)
{
  g_task_return_error (task, error);
  g_object_unref (task);
}

static gboolean
retry_wait_done (gpointer data)
{
  GTask    *task = data;
  SendData *send = g_task_get_task_data (task);

  g_clear_pointer (&send->wait_source, g_source_unref);
  destroy_source (&send->cancel_source);
  send_attempt (task);

  return G_SOURCE_REMOVE;
}

static gboolean
retry_wait_cancelled (GCancellable *cancellable, gpointer data)
{
  GTask    *task = data;
  SendData *send = g_task_get_task_data (task);

  g_clear_pointer (&send->cancel_source, g_source_unref);
  destroy_source (&send->wait_source);
  send_return_error (task, g_error_new_literal (SAM_MODEL_ERROR, SAM_MODEL_ERROR_CANCELLED,
                                                _ ("The reply was stopped.")));

  return G_SOURCE_REMOVE;
}

/* Takes @error. Either schedules the next attempt or fails the task. */
static void
send_retry_or_fail (GTask *task, GError *error, gboolean retryable, SoupMessageHeaders *headers)
{
  SamHttpClient *self = g_task_get_source_object (task);
  SendData      *send = g_task_get_task_data (task);
  GCancellable  *cancellable = g_task_get_cancellable (task);
  guint          delay_ms;

  if (send->request->anonymous &&
      g_error_matches (error, SAM_MODEL_ERROR, SAM_MODEL_ERROR_AUTHENTICATION))
    {
      g_autoptr (GError) original = error;

      error = g_error_new (SAM_MODEL_ERROR, SAM_MODEL_ERROR_AUTHENTICATION,
                           _ ("%s needs an API key; add one in Preferences → Model or set "
                              "SAMANTHA_API_KEY."),
                           send->provider_name);
    }

  if (!retryable || send->attempt >= self->max_retries || g_cancellable_is_cancelled (cancellable))
    {
      send_return_error (task, error);
      return;
    }

  if (!sam_http_retry_after (headers, &delay_ms))
    delay_ms = sam_http_backoff_delay (send->attempt);

  send->attempt++;
  g_debug ("%s: attempt %u in %u ms after: %s", send->provider_name, send->attempt, delay_ms,
           error->message);
  if (send->retry_func)
    send->retry_func (error, send->attempt, delay_ms, send->retry_data);
  g_error_free (error);

  forget_message (&send->message);
  g_clear_object (&send->stream);
  g_clear_pointer (&send->error_body, g_byte_array_unref);

  send->wait_source =
      attach_timeout ((guint) (delay_ms * self->delay_scale), retry_wait_done, task);
  if (cancellable)
    {
      send->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (send->cancel_source, G_SOURCE_FUNC (retry_wait_cancelled), task, NULL);
      g_source_attach (send->cancel_source, g_main_context_get_thread_default ());
    }
}

static GError *
timeout_error (SamHttpClient *self, SendData *send)
{
  guint connect_s = MAX (1, self->connect_timeout_ms / 1000);
  guint idle_s = MAX (1, self->idle_timeout_ms / 1000);

  if (!send->connected)
    return g_error_new (SAM_MODEL_ERROR, SAM_MODEL_ERROR_TIMEOUT,
                        g_dngettext (GETTEXT_PACKAGE,
                                     "Could not connect to %s within %u second; check your "
                                     "connection and the base URL.",
                                     "Could not connect to %s within %u seconds; check your "
                                     "connection and the base URL.",
                                     connect_s),
                        send->provider_name, connect_s);

  return g_error_new (SAM_MODEL_ERROR, SAM_MODEL_ERROR_TIMEOUT,
                      g_dngettext (GETTEXT_PACKAGE,
                                   "%s did not answer within %u second; try again later.",
                                   "%s did not answer within %u seconds; try again later.", idle_s),
                      send->provider_name, idle_s);
}

static void
error_body_read_cb (GObject *object, GAsyncResult *result, gpointer data)
{
  GTask         *task = data;
  SamHttpClient *self = g_task_get_source_object (task);
  SendData      *send = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body = NULL;
  gssize   n;
  gboolean retryable = FALSE;
  GError  *mapped;

  n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);

  if (n > 0 && send->error_body->len < ERROR_BODY_LIMIT)
    {
      g_byte_array_append (send->error_body, send->buffer, n);
      deadline_arm (&send->deadline, self->idle_timeout_ms);
      g_input_stream_read_async (send->stream, send->buffer, sizeof send->buffer,
                                 G_PRIORITY_DEFAULT, send->deadline.cancellable, error_body_read_cb,
                                 task);
      return;
    }

  destroy_source (&send->deadline.timer);

  if (n < 0 && g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      send_return_error (task, g_error_new_literal (SAM_MODEL_ERROR, SAM_MODEL_ERROR_CANCELLED,
                                                    _ ("The reply was stopped.")));
      return;
    }

  /* A body cut short still tells the status; classify what arrived. */
  body = g_bytes_new (send->error_body->data, send->error_body->len);
  mapped = sam_model_error_from_http (send->provider_name, soup_message_get_status (send->message),
                                      soup_message_get_response_headers (send->message), body,
                                      &retryable);
  g_debug ("%s: HTTP %u: %.*s", send->provider_name, soup_message_get_status (send->message),
           (int) MIN (send->error_body->len, 300), (const char *) send->error_body->data);

  send_retry_or_fail (task, mapped, retryable, soup_message_get_response_headers (send->message));
}

static void
send_cb (GObject *object, GAsyncResult *result, gpointer data)
{
  GTask         *task = data;
  SamHttpClient *self = g_task_get_source_object (task);
  SendData      *send = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  guint status;

  send->stream = soup_session_send_finish (SOUP_SESSION (object), result, &error);
  destroy_source (&send->deadline.timer);

  if (send->stream == NULL)
    {
      gboolean retryable = FALSE;
      GError  *mapped;

      if (send->deadline.timed_out)
        {
          mapped = timeout_error (self, send);
          retryable = TRUE;
        }
      else
        mapped = sam_model_error_from_transport (send->provider_name, send->uri, error, &retryable);

      g_debug ("%s: %s", send->provider_name, error->message);
      send_retry_or_fail (task, mapped, retryable, NULL);
      return;
    }

  status = soup_message_get_status (send->message);
  if (SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      deadline_stop (&send->deadline);
      g_task_return_pointer (task, g_steal_pointer (&send->stream), g_object_unref);
      g_object_unref (task);
      return;
    }

  send->error_body = g_byte_array_new ();
  deadline_arm (&send->deadline, self->idle_timeout_ms);
  g_input_stream_read_async (send->stream, send->buffer, sizeof send->buffer, G_PRIORITY_DEFAULT,
                             send->deadline.cancellable, error_body_read_cb, task);
}

static void
network_event_cb (SoupMessage       *message,
                  GSocketClientEvent event,
                  GIOStream         *connection,
                  gpointer           data)
{
  GTask         *task = data;
  SamHttpClient *self = g_task_get_source_object (task);
  SendData      *send = g_task_get_task_data (task);

  /* Connected (TLS included): from now on the server may take its time. */
  if (event == G_SOCKET_CLIENT_COMPLETE && !send->connected)
    {
      send->connected = TRUE;
      deadline_arm (&send->deadline, self->idle_timeout_ms);
    }
}

static void
wrote_headers_cb (SoupMessage *message, gpointer data)
{
  GTask         *task = data;
  SamHttpClient *self = g_task_get_source_object (task);
  SendData      *send = g_task_get_task_data (task);

  /* A connection reused from the pool has no network events. */
  if (!send->connected)
    {
      send->connected = TRUE;
      deadline_arm (&send->deadline, self->idle_timeout_ms);
    }
}

static void
send_attempt (GTask *task)
{
  SamHttpClient *self = g_task_get_source_object (task);
  SendData      *send = g_task_get_task_data (task);

  deadline_stop (&send->deadline);
  deadline_start (&send->deadline, g_task_get_cancellable (task));
  send->connected = FALSE;

  forget_message (&send->message);
  if (!(send->message = sam_http_request_build (send->request)))
    {
      send_return_error (task, g_error_new (SAM_MODEL_ERROR, SAM_MODEL_ERROR_CONFIGURATION,
                                            _ ("“%s” is not a valid web address; check the base "
                                               "URL in Preferences → Model."),
                                            send->request->uri));
      return;
    }
  g_signal_connect (send->message, "network-event", G_CALLBACK (network_event_cb), task);
  g_signal_connect (send->message, "wrote-headers", G_CALLBACK (wrote_headers_cb), task);

  deadline_arm (&send->deadline, self->connect_timeout_ms);
  soup_session_send_async (self->session, send->message, G_PRIORITY_DEFAULT,
                           send->deadline.cancellable, send_cb, task);
}

/**
 * sam_http_client_send_async:
 * @self: a #SamHttpClient
 * @request: the request; it is sent again for each retry
 * @provider_name: how the user knows the server, for error messages
 * @retry_func: (nullable): told before each retry
 * @retry_data: for @retry_func
 * @cancellable: (nullable): stops the request, the retry wait included
 * @callback: called with the response's body stream, or the error after the last attempt
 * @user_data: for @callback
 *
 * Sends @request and waits for a successful status. Retries on 408, 409, 429, 5xx and 529
 * and on lost connections and timeouts, as `x-should-retry` allows, after the delay from
 * `retry-after-ms` or `retry-after`, or a capped backoff. A refused key, an empty account or
 * an overlong conversation fail at once.
 */
void
sam_http_client_send_async (SamHttpClient      *self,
                            SamHttpRequest     *request,
                            const char         *provider_name,
                            SamHttpRetryFunc    retry_func,
                            gpointer            retry_data,
                            GCancellable       *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  SendData *send;

  g_return_if_fail (SAM_IS_HTTP_CLIENT (self));
  g_return_if_fail (request != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sam_http_client_send_async);
  /* Our errors say "stopped" in the user's words; GTask's own would not. */
  g_task_set_check_cancellable (task, FALSE);

  send = g_new0 (SendData, 1);
  send->request = sam_http_request_ref (request);
  send->provider_name = g_strdup (provider_name);
  send->retry_func = retry_func;
  send->retry_data = retry_data;
  send->uri = g_uri_parse (request->uri, G_URI_FLAGS_NONE, NULL);
  g_task_set_task_data (task, send, send_data_free);

  if (send->uri == NULL ||
      (g_strcmp0 (g_uri_get_scheme (send->uri), "http") != 0 &&
       g_strcmp0 (g_uri_get_scheme (send->uri), "https") != 0) ||
      g_uri_get_host (send->uri) == NULL || *g_uri_get_host (send->uri) == '\0')
    {
      g_task_return_new_error (task, SAM_MODEL_ERROR, SAM_MODEL_ERROR_CONFIGURATION,
                               _ ("“%s” is not a valid web address; check the base URL in "
                                  "Preferences → Model."),
                               request->uri);
      return;
    }

  send_attempt (g_steal_pointer (&task));
}

/**
 * sam_http_client_send_finish:
 * @self: a #SamHttpClient
 * @result: the result
 * @message: (out) (optional) (transfer full): the message that succeeded
 * @error: a #SAM_MODEL_ERROR
 *
 * Returns: (transfer full): the response body, to be read with sam_http_client_read_async()
 */
GInputStream *
sam_http_client_send_finish (SamHttpClient *self,
                             GAsyncResult  *result,
                             SoupMessage  **message,
                             GError       **error)
{
  GInputStream *stream;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  stream = g_task_propagate_pointer (G_TASK (result), error);
  if (stream && message)
    {
      SendData *send = g_task_get_task_data (G_TASK (result));

      *message = g_object_ref (send->message);
    }

  return stream;
}

/* Reading a body with an idle timeout. */

typedef struct
{
  Deadline deadline;
  char    *provider_name;
  guint    idle_ms;
} ReadData;

static void
read_data_free (gpointer data)
{
  ReadData *read = data;

  deadline_stop (&read->deadline);
  g_free (read->provider_name);
  g_free (read);
}

static void
read_cb (GObject *object, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  ReadData *read = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);
  destroy_source (&read->deadline.timer);

  if (n >= 0)
    g_task_return_int (task, n);
  else if (read->deadline.timed_out)
    {
      guint idle_s = MAX (1, read->idle_ms / 1000);

      g_task_return_new_error (task, SAM_MODEL_ERROR, SAM_MODEL_ERROR_TIMEOUT,
                               g_dngettext (GETTEXT_PACKAGE,
                                            "%s stopped sending the reply for %u second; try "
                                            "again.",
                                            "%s stopped sending the reply for %u seconds; try "
                                            "again.",
                                            idle_s),
                               read->provider_name, idle_s);
    }
  else
    g_task_return_error (task,
                         sam_model_error_from_transport (read->provider_name, NULL, error, NULL));
}

/**
 * sam_http_client_read_async:
 * @self: a #SamHttpClient
 * @stream: a body from sam_http_client_send_finish()
 * @buffer: (out caller-allocates): where the bytes go; it must live until the callback
 * @count: its size
 * @provider_name: how the user knows the server
 * @cancellable: (nullable): stops the read
 * @callback: called with the number of bytes read, 0 at the end
 * @user_data: for @callback
 *
 * One read that fails with %SAM_MODEL_ERROR_TIMEOUT when the server stays silent longer
 * than the idle timeout.
 */
void
sam_http_client_read_async (SamHttpClient      *self,
                            GInputStream       *stream,
                            void               *buffer,
                            gsize               count,
                            const char         *provider_name,
                            GCancellable       *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer            user_data)
{
  GTask    *task;
  ReadData *read;

  g_return_if_fail (SAM_IS_HTTP_CLIENT (self));
  g_return_if_fail (G_IS_INPUT_STREAM (stream));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sam_http_client_read_async);
  g_task_set_check_cancellable (task, FALSE);

  read = g_new0 (ReadData, 1);
  read->provider_name = g_strdup (provider_name);
  read->idle_ms = self->idle_timeout_ms;
  g_task_set_task_data (task, read, read_data_free);

  deadline_start (&read->deadline, cancellable);
  deadline_arm (&read->deadline, self->idle_timeout_ms);
  g_input_stream_read_async (stream, buffer, count, G_PRIORITY_DEFAULT, read->deadline.cancellable,
                             read_cb, task);
}

gssize
sam_http_client_read_finish (SamHttpClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), -1);

  return g_task_propagate_int (G_TASK (result), error);
}

/* A whole JSON answer (model lists, embeddings). */

typedef struct
{
  GInputStream *stream;
  GByteArray   *body;
  char         *provider_name;
  guint8        buffer[16384];
} FetchData;

static void
fetch_data_free (gpointer data)
{
  FetchData *fetch = data;

  if (fetch->stream)
    g_input_stream_close_async (fetch->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  g_clear_object (&fetch->stream);
  g_byte_array_unref (fetch->body);
  g_free (fetch->provider_name);
  g_free (fetch);
}

static void
fetch_read_cb (GObject *object, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  SamHttpClient *self = SAM_HTTP_CLIENT (object);
  FetchData     *fetch = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) parser = NULL;
  gssize n;

  n = sam_http_client_read_finish (self, result, &error);
  if (n < 0)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (n > 0)
    {
      if (fetch->body->len + n > JSON_BODY_LIMIT)
        {
          g_task_return_new_error (task, SAM_MODEL_ERROR, SAM_MODEL_ERROR_INVALID_RESPONSE,
                                   _ ("The answer from %s was too large to read."),
                                   fetch->provider_name);
          return;
        }
      g_byte_array_append (fetch->body, fetch->buffer, n);
      sam_http_client_read_async (self, fetch->stream, fetch->buffer, sizeof fetch->buffer,
                                  fetch->provider_name, g_task_get_cancellable (task),
                                  fetch_read_cb, g_object_ref (task));
      return;
    }

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, (const char *) fetch->body->data, fetch->body->len,
                                   NULL) ||
      json_parser_get_root (parser) == NULL)
    {
      g_task_return_new_error (task, SAM_MODEL_ERROR, SAM_MODEL_ERROR_INVALID_RESPONSE,
                               _ ("The answer from %s could not be read; check the base URL in "
                                  "Preferences → Model."),
                               fetch->provider_name);
      return;
    }

  g_task_return_pointer (task, json_node_copy (json_parser_get_root (parser)),
                         (GDestroyNotify) json_node_unref);
}

static void
fetch_send_cb (GObject *object, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  SamHttpClient *self = SAM_HTTP_CLIENT (object);
  FetchData     *fetch = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  fetch->stream = sam_http_client_send_finish (self, result, NULL, &error);
  if (fetch->stream == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  sam_http_client_read_async (self, fetch->stream, fetch->buffer, sizeof fetch->buffer,
                              fetch->provider_name, g_task_get_cancellable (task), fetch_read_cb,
                              g_object_ref (task));
}

/**
 * sam_http_client_fetch_json_async:
 * @self: a #SamHttpClient
 * @request: the request
 * @provider_name: how the user knows the server
 * @cancellable: (nullable): stops the request
 * @callback: called with the parsed answer
 * @user_data: for @callback
 *
 * sam_http_client_send_async() and then the whole body, parsed as JSON.
 */
void
sam_http_client_fetch_json_async (SamHttpClient      *self,
                                  SamHttpRequest     *request,
                                  const char         *provider_name,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data)
{
  GTask     *task;
  FetchData *fetch;

  g_return_if_fail (SAM_IS_HTTP_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sam_http_client_fetch_json_async);
  g_task_set_check_cancellable (task, FALSE);

  fetch = g_new0 (FetchData, 1);
  fetch->body = g_byte_array_new ();
  fetch->provider_name = g_strdup (provider_name);
  g_task_set_task_data (task, fetch, fetch_data_free);

  sam_http_client_send_async (self, request, provider_name, NULL, NULL, cancellable, fetch_send_cb,
                              task);
}

/**
 * sam_http_client_fetch_json_finish:
 * @self: a #SamHttpClient
 * @result: the result
 * @error: a #SAM_MODEL_ERROR
 *
 * Returns: (transfer full): the answer's JSON
 */
JsonNode *
sam_http_client_fetch_json_finish (SamHttpClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
