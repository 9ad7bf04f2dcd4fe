/* sam-http.h — HTTP for the providers: sessions, timeouts, retries that honour the server.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* One request, kept so that it can be sent again after a retryable failure. */
typedef struct _SamHttpRequest SamHttpRequest;

SamHttpRequest *sam_http_request_new (const char *method, const char *uri);
void            sam_http_request_free (SamHttpRequest *self);
const char     *sam_http_request_get_uri (SamHttpRequest *self);
void sam_http_request_add_header (SamHttpRequest *self, const char *name, const char *value);
void sam_http_request_set_json_body (SamHttpRequest *self, JsonNode *body);
void sam_http_request_set_anonymous (SamHttpRequest *self, gboolean anonymous);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SamHttpRequest, sam_http_request_free)

/**
 * SamHttpRetryFunc:
 * @error: why the last attempt failed
 * @attempt: the number of the attempt that comes next (1 for the first retry)
 * @delay_ms: how long until then, as the server asked or by backoff (not scaled)
 * @user_data: the data given with the function
 *
 * Tells the caller that a request is retried, so the user sees why it takes longer.
 */
typedef void (*SamHttpRetryFunc) (const GError *error,
                                  guint         attempt,
                                  guint         delay_ms,
                                  gpointer      user_data);

#define SAM_TYPE_HTTP_CLIENT (sam_http_client_get_type ())

G_DECLARE_FINAL_TYPE (SamHttpClient, sam_http_client, SAM, HTTP_CLIENT, GObject)

SamHttpClient *sam_http_client_new (void);
SoupSession   *sam_http_client_get_session (SamHttpClient *self);
void
sam_http_client_set_timeouts (SamHttpClient *self, guint connect_timeout_ms, guint idle_timeout_ms);
guint sam_http_client_get_connect_timeout (SamHttpClient *self);
guint sam_http_client_get_idle_timeout (SamHttpClient *self);
void  sam_http_client_set_max_retries (SamHttpClient *self, guint max_retries);
void  sam_http_client_set_delay_scale (SamHttpClient *self, double scale);

void          sam_http_client_send_async (SamHttpClient      *self,
                                          SamHttpRequest     *request,
                                          const char         *provider_name,
                                          SamHttpRetryFunc    retry_func,
                                          gpointer            retry_data,
                                          GCancellable       *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer            user_data);
GInputStream *sam_http_client_send_finish (SamHttpClient *self,
                                           GAsyncResult  *result,
                                           SoupMessage  **message,
                                           GError       **error);

void sam_http_client_fetch_json_async (SamHttpClient      *self,
                                       SamHttpRequest     *request,
                                       const char         *provider_name,
                                       GCancellable       *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data);
JsonNode *
sam_http_client_fetch_json_finish (SamHttpClient *self, GAsyncResult *result, GError **error);

void   sam_http_client_read_async (SamHttpClient      *self,
                                   GInputStream       *stream,
                                   void               *buffer,
                                   gsize               count,
                                   const char         *provider_name,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data);
gssize sam_http_client_read_finish (SamHttpClient *self, GAsyncResult *result, GError **error);

gboolean sam_http_retry_after (SoupMessageHeaders *headers, guint *delay_ms);
guint    sam_http_backoff_delay (guint attempt);

G_END_DECLS
