/* sam-provider.c — the interface every way of talking to a model implements.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "sam-model-error.h"
#include "sam-provider.h"

G_DEFINE_INTERFACE (SamProvider, sam_provider, G_TYPE_OBJECT)

static const struct
{
  const char *host;
  const char *name;
} known_hosts[] = {
  { "api.openai.com", "OpenAI" },
  { "api.anthropic.com", "Anthropic" },
  { "openrouter.ai", "OpenRouter" },
  { "api.groq.com", "Groq" },
  { "api.mistral.ai", "Mistral" },
  { "generativelanguage.googleapis.com", "Gemini" },
  { "api.deepseek.com", "DeepSeek" },
  { "api.together.xyz", "Together AI" },
  { "api.x.ai", "xAI" },
};

static const struct
{
  int         port;
  const char *name;
} local_servers[] = {
  { 11434, "Ollama" },
  { 8080, "llama.cpp" },
  { 1234, "LM Studio" },
  { 8000, "vLLM" },
};

/**
 * sam_provider_name_for_url:
 * @provider_id: "openai", "anthropic" or "ollama"
 * @base_url: the provider's base URL
 *
 * Returns: (transfer full): how error messages name the server: a known service or local
 *   server by its name, anything else by its host and port
 */
char *
sam_provider_name_for_url (const char *provider_id, const char *base_url)
{
  g_autoptr (GUri) uri = g_uri_parse (base_url, G_URI_FLAGS_NONE, NULL);
  const char *host;
  int         port;

  if (g_strcmp0 (provider_id, "ollama") == 0)
    return g_strdup ("Ollama");

  if (uri == NULL || !(host = g_uri_get_host (uri)))
    return g_strdup (base_url);

  port = g_uri_get_port (uri);

  for (guint i = 0; i < G_N_ELEMENTS (known_hosts); i++)
    if (g_ascii_strcasecmp (host, known_hosts[i].host) == 0)
      return g_strdup (known_hosts[i].name);

  if (g_str_equal (host, "127.0.0.1") || g_str_equal (host, "localhost") ||
      g_str_equal (host, "::1"))
    for (guint i = 0; i < G_N_ELEMENTS (local_servers); i++)
      if (port == local_servers[i].port)
        return g_strdup (local_servers[i].name);

  if (port > 0)
    return g_strdup_printf ("%s:%d", host, port);
  return g_strdup (host);
}

static void
sam_provider_real_embed_async (SamProvider        *self,
                               const char *const  *texts,
                               GCancellable       *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer            user_data)
{
  g_task_report_new_error (self, callback, user_data, sam_provider_real_embed_async,
                           SAM_MODEL_ERROR, SAM_MODEL_ERROR_NOT_SUPPORTED,
                           _ ("%s does not offer embeddings."), sam_provider_get_name (self));
}

static GPtrArray *
sam_provider_real_embed_finish (SamProvider *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
sam_provider_default_init (SamProviderInterface *iface)
{
  iface->embed_async = sam_provider_real_embed_async;
  iface->embed_finish = sam_provider_real_embed_finish;
}

/**
 * sam_provider_api_root:
 * @provider_id: "openai", "anthropic" or "ollama"
 * @base_url: the base URL as the user gave it
 *
 * People write base URLs both ways: an OpenAI-compatible server with or without its `/v1`,
 * Anthropic or Ollama with one too many. Requests go to the root each API documents.
 *
 * Returns: (transfer full): the root that request paths are appended to
 */
char *
sam_provider_api_root (const char *provider_id, const char *base_url)
{
  g_autoptr (GUri) uri = g_uri_parse (base_url, G_URI_FLAGS_NONE, NULL);
  g_autofree char *root = g_strdup (base_url);
  const char      *path = uri ? g_uri_get_path (uri) : NULL;
  gsize            length;

  g_strstrip (root);
  length = strlen (root);
  while (length > 0 && root[length - 1] == '/')
    root[--length] = '\0';

  if (uri == NULL || g_uri_get_query (uri) || g_uri_get_fragment (uri))
    return g_steal_pointer (&root);

  if (g_strcmp0 (provider_id, "openai") == 0)
    {
      if (path == NULL || *path == '\0' || g_str_equal (path, "/"))
        return g_strconcat (root, "/v1", NULL);
    }
  else if (g_str_has_suffix (root, "/v1"))
    root[length - 3] = '\0';
  else if (g_strcmp0 (provider_id, "ollama") == 0 && g_str_has_suffix (root, "/api"))
    root[length - 4] = '\0';

  return g_steal_pointer (&root);
}

/* "openai", "anthropic" or "ollama": the wire protocol, as in SAMANTHA_PROVIDER. */
const char *
sam_provider_get_id (SamProvider *self)
{
  g_return_val_if_fail (SAM_IS_PROVIDER (self), NULL);

  return SAM_PROVIDER_GET_IFACE (self)->get_id (self);
}

/* How the user knows the server, for messages: "OpenAI", "Ollama", "example.com:8443". */
const char *
sam_provider_get_name (SamProvider *self)
{
  g_return_val_if_fail (SAM_IS_PROVIDER (self), NULL);

  return SAM_PROVIDER_GET_IFACE (self)->get_name (self);
}

const char *
sam_provider_get_base_url (SamProvider *self)
{
  g_return_val_if_fail (SAM_IS_PROVIDER (self), NULL);

  return SAM_PROVIDER_GET_IFACE (self)->get_base_url (self);
}

const char *
sam_provider_get_model (SamProvider *self)
{
  g_return_val_if_fail (SAM_IS_PROVIDER (self), NULL);

  return SAM_PROVIDER_GET_IFACE (self)->get_model (self);
}

/**
 * sam_provider_get_http_client:
 * @self: a #SamProvider
 *
 * Returns: (transfer none): the client whose timeouts and retries the provider uses
 */
SamHttpClient *
sam_provider_get_http_client (SamProvider *self)
{
  g_return_val_if_fail (SAM_IS_PROVIDER (self), NULL);

  return SAM_PROVIDER_GET_IFACE (self)->get_http_client (self);
}

/**
 * sam_provider_stream_chat_async:
 * @self: a #SamProvider
 * @request: the messages, system prompt, tools and options
 * @event_func: called for each event as the reply streams in
 * @event_data: for @event_func
 * @event_destroy: (nullable): frees @event_data once the reply is over
 * @cancellable: (nullable): cancelling it ends the HTTP request at once
 * @callback: called when the reply is complete or failed
 * @user_data: for @callback
 *
 * Streams one reply. Events arrive in order: deltas, complete tool calls, usage, then one
 * FINISH or one ERROR, and then @callback.
 */
void
sam_provider_stream_chat_async (SamProvider        *self,
                                SamChatRequest     *request,
                                SamStreamEventFunc  event_func,
                                gpointer            event_data,
                                GDestroyNotify      event_destroy,
                                GCancellable       *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer            user_data)
{
  g_return_if_fail (SAM_IS_PROVIDER (self));
  g_return_if_fail (SAM_IS_CHAT_REQUEST (request));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  SAM_PROVIDER_GET_IFACE (self)->stream_chat_async (
      self, request, event_func, event_data, event_destroy, cancellable, callback, user_data);
}

/**
 * sam_provider_stream_chat_finish:
 * @self: a #SamProvider
 * @result: the result
 * @reply: (out) (optional) (transfer full): the reply; on failure, what arrived before it
 * @error: a #SAM_MODEL_ERROR
 *
 * Returns: %TRUE when the model finished its reply (with any #SamFinishReason)
 */
gboolean
sam_provider_stream_chat_finish (SamProvider   *self,
                                 GAsyncResult  *result,
                                 SamChatReply **reply,
                                 GError       **error)
{
  g_return_val_if_fail (SAM_IS_PROVIDER (self), FALSE);

  return SAM_PROVIDER_GET_IFACE (self)->stream_chat_finish (self, result, reply, error);
}

void
sam_provider_list_models_async (SamProvider        *self,
                                GCancellable       *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer            user_data)
{
  g_return_if_fail (SAM_IS_PROVIDER (self));

  SAM_PROVIDER_GET_IFACE (self)->list_models_async (self, cancellable, callback, user_data);
}

/**
 * sam_provider_list_models_finish:
 * @self: a #SamProvider
 * @result: the result
 * @error: a #SAM_MODEL_ERROR
 *
 * Returns: (transfer full): the model names the server offers, sorted
 */
char **
sam_provider_list_models_finish (SamProvider *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (SAM_IS_PROVIDER (self), NULL);

  return SAM_PROVIDER_GET_IFACE (self)->list_models_finish (self, result, error);
}

gboolean
sam_provider_can_embed (SamProvider *self)
{
  g_return_val_if_fail (SAM_IS_PROVIDER (self), FALSE);

  return SAM_PROVIDER_GET_IFACE (self)->embed_async != sam_provider_real_embed_async;
}

/**
 * sam_provider_embed_async:
 * @self: a #SamProvider
 * @texts: the texts to embed
 * @cancellable: (nullable): stops the request
 * @callback: called with the vectors
 * @user_data: for @callback
 *
 * Fails with %SAM_MODEL_ERROR_NOT_SUPPORTED where the provider has no embeddings.
 */
void
sam_provider_embed_async (SamProvider        *self,
                          const char *const  *texts,
                          GCancellable       *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer            user_data)
{
  g_return_if_fail (SAM_IS_PROVIDER (self));
  g_return_if_fail (texts != NULL);

  SAM_PROVIDER_GET_IFACE (self)->embed_async (self, texts, cancellable, callback, user_data);
}

/**
 * sam_provider_embed_finish:
 * @self: a #SamProvider
 * @result: the result
 * @error: a #SAM_MODEL_ERROR
 *
 * Returns: (transfer full) (element-type GArray): one #GArray of float per text, in order
 */
GPtrArray *
sam_provider_embed_finish (SamProvider *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (SAM_IS_PROVIDER (self), NULL);

  return SAM_PROVIDER_GET_IFACE (self)->embed_finish (self, result, error);
}
