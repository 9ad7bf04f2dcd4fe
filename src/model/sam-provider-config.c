/* sam-provider-config.c — which provider to use: environment, then settings, then what runs
 * on this computer.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "sam-anthropic-provider.h"
#include "sam-chat-stream.h"
#include "sam-model-error.h"
#include "sam-ollama-provider.h"
#include "sam-openai-provider.h"
#include "sam-provider-config.h"

#define DEFAULT_LLAMACPP_BASE_URL "http://127.0.0.1:8080/v1"

/* Detection must not make a start feel slow when nothing runs locally. */
#define PROBE_CONNECT_MS 1000
#define PROBE_IDLE_MS    3000

static char *detect_ollama_url;
static char *detect_llamacpp_url;

G_DEFINE_BOXED_TYPE (SamProviderConfig,
                     sam_provider_config,
                     sam_provider_config_copy,
                     sam_provider_config_free)

gboolean
sam_provider_id_is_valid (const char *provider)
{
  return g_strcmp0 (provider, "openai") == 0 || g_strcmp0 (provider, "anthropic") == 0 ||
         g_strcmp0 (provider, "ollama") == 0;
}

const char *
sam_provider_default_base_url (const char *provider)
{
  if (g_strcmp0 (provider, "anthropic") == 0)
    return SAM_ANTHROPIC_DEFAULT_BASE_URL;
  if (g_strcmp0 (provider, "ollama") == 0)
    return SAM_OLLAMA_DEFAULT_BASE_URL;
  return SAM_OPENAI_DEFAULT_BASE_URL;
}

/* Blanks and trailing slashes removed, so the keyring finds the key under one spelling. */
char *
sam_provider_normalize_base_url (const char *base_url)
{
  g_autofree char *url = g_strstrip (g_strdup (base_url ? base_url : ""));
  gsize            length = strlen (url);

  while (length > 0 && url[length - 1] == '/')
    url[--length] = '\0';

  return length > 0 ? g_steal_pointer (&url) : NULL;
}

/**
 * sam_provider_config_new:
 * @provider: "openai", "anthropic" or "ollama"
 * @base_url: (nullable): %NULL for the provider's default
 * @model: (nullable): the model
 *
 * Returns: (transfer full): a configuration
 */
SamProviderConfig *
sam_provider_config_new (const char *provider, const char *base_url, const char *model)
{
  SamProviderConfig *self = g_new0 (SamProviderConfig, 1);

  self->provider = g_strdup (provider);
  self->base_url = sam_provider_normalize_base_url (base_url);
  if (self->base_url == NULL)
    self->base_url = g_strdup (sam_provider_default_base_url (provider));
  self->model = g_strdup (model && *model ? model : NULL);
  self->source = SAM_PROVIDER_SOURCE_SETTINGS;

  return self;
}

SamProviderConfig *
sam_provider_config_copy (const SamProviderConfig *self)
{
  SamProviderConfig *copy = sam_provider_config_new (self->provider, self->base_url, self->model);

  copy->api_key = g_strdup (self->api_key);
  copy->source = self->source;

  return copy;
}

void
sam_provider_config_free (SamProviderConfig *self)
{
  if (self == NULL)
    return;

  g_free (self->provider);
  g_free (self->base_url);
  g_free (self->model);
  if (self->api_key)
    memset (self->api_key, 0, strlen (self->api_key));
  g_free (self->api_key);
  g_free (self);
}

/* Cloud services refuse requests without a key; servers on this computer take none. */
gboolean
sam_provider_config_needs_key (const SamProviderConfig *self)
{
  if (g_strcmp0 (self->provider, "ollama") == 0)
    return FALSE;

  return !sam_url_is_loopback (self->base_url);
}

/**
 * sam_provider_config_create:
 * @self: a configuration
 * @api_key: (nullable): the key; `SAMANTHA_API_KEY` wins over it
 *
 * Returns: (transfer full): the provider
 */
SamProvider *
sam_provider_config_create (const SamProviderConfig *self, const char *api_key)
{
  const char *key = self->api_key ? self->api_key : api_key;

  if (g_strcmp0 (self->provider, "anthropic") == 0)
    return sam_anthropic_provider_new (self->base_url, key, self->model);
  if (g_strcmp0 (self->provider, "ollama") == 0)
    return sam_ollama_provider_new (self->base_url, key, self->model);
  return sam_openai_provider_new (self->base_url, key, self->model);
}

/* For tests: where detection looks instead of 127.0.0.1:11434 and 127.0.0.1:8080. */
void
sam_provider_config_set_detection_urls (const char *ollama_url, const char *llamacpp_url)
{
  g_free (detect_ollama_url);
  g_free (detect_llamacpp_url);
  detect_ollama_url = g_strdup (ollama_url);
  detect_llamacpp_url = g_strdup (llamacpp_url);
}

static char *
setting (GSettings *settings, const char *key)
{
  g_autofree char *value = NULL;

  if (settings == NULL)
    return NULL;

  value = g_strstrip (g_settings_get_string (settings, key));
  return *value ? g_steal_pointer (&value) : NULL;
}

static const char *
env (const char *name)
{
  const char *value = g_getenv (name);

  return value && *value ? value : NULL;
}

/* A base URL alone says a lot about what speaks there. */
static const char *
guess_provider (const char *base_url)
{
  g_autoptr (GUri) uri = g_uri_parse (base_url, G_URI_FLAGS_NONE, NULL);
  const char *host = uri ? g_uri_get_host (uri) : NULL;
  const char *path = uri ? g_uri_get_path (uri) : NULL;

  if (host && strstr (host, "anthropic"))
    return "anthropic";
  if (uri && g_uri_get_port (uri) == 11434 && (path == NULL || !strstr (path, "/v1")))
    return "ollama";
  return "openai";
}

typedef struct
{
  SamProviderConfig *config;
  SamProvider       *probe;
  guint              step;
} ResolveData;

static void
resolve_data_free (gpointer data)
{
  ResolveData *resolve = data;

  g_clear_pointer (&resolve->config, sam_provider_config_free);
  g_clear_object (&resolve->probe);
  g_free (resolve);
}

static void probe_next (GTask *task);

static void
probe_cb (GObject *object, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  ResolveData *resolve = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) models = NULL;
  SamProvider *provider = SAM_PROVIDER (object);

  models = sam_provider_list_models_finish (provider, result, &error);
  if (models == NULL)
    {
      if (g_error_matches (error, SAM_MODEL_ERROR, SAM_MODEL_ERROR_CANCELLED))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }

      g_debug ("no %s at %s: %s", sam_provider_get_id (provider),
               sam_provider_get_base_url (provider), error->message);
      probe_next (g_steal_pointer (&task));
      return;
    }

  /* Found one. A model named in the environment or settings wins over the first listed. */
  if (resolve->config->model == NULL)
    resolve->config->model = g_strdup (models[0]);
  g_free (resolve->config->provider);
  g_free (resolve->config->base_url);
  resolve->config->provider = g_strdup (sam_provider_get_id (provider));
  resolve->config->base_url = g_strdup (sam_provider_get_base_url (provider));
  resolve->config->source = SAM_PROVIDER_SOURCE_DETECTED;

  g_task_return_pointer (task, g_steal_pointer (&resolve->config),
                         (GDestroyNotify) sam_provider_config_free);
}

static void
probe_start (GTask *task, SamProvider *provider)
{
  ResolveData   *resolve = g_task_get_task_data (task);
  SamHttpClient *http = sam_provider_get_http_client (provider);

  sam_http_client_set_timeouts (http, PROBE_CONNECT_MS, PROBE_IDLE_MS);
  sam_http_client_set_max_retries (http, 0);
  g_set_object (&resolve->probe, provider);
  sam_provider_list_models_async (provider, g_task_get_cancellable (task), probe_cb, task);
}

static void
probe_next (GTask *task)
{
  ResolveData *resolve = g_task_get_task_data (task);
  g_autoptr (SamProvider) provider = NULL;

  switch (resolve->step++)
    {
    case 0:
      provider = sam_ollama_provider_new (
          detect_ollama_url ? detect_ollama_url : SAM_OLLAMA_DEFAULT_BASE_URL, NULL, NULL);
      probe_start (task, provider);
      break;

    case 1:
      provider = sam_openai_provider_new (
          detect_llamacpp_url ? detect_llamacpp_url : DEFAULT_LLAMACPP_BASE_URL, NULL, NULL);
      probe_start (task, provider);
      break;

    default:
      g_task_return_new_error (task, SAM_MODEL_ERROR, SAM_MODEL_ERROR_CONFIGURATION,
                               _ ("No model provider is set up; choose one in Preferences → "
                                  "Model, or start Ollama or a llama.cpp server on this "
                                  "computer."));
      g_object_unref (task);
      break;
    }
}

static void
local_models_cb (GObject *object, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  ResolveData *resolve = g_task_get_task_data (task);
  g_auto (GStrv) models = NULL;
  g_autoptr (GError) error = NULL;

  /* Best effort: without a model the reply fails later with a clear sentence. */
  models = sam_provider_list_models_finish (SAM_PROVIDER (object), result, &error);
  if (models && models[0])
    resolve->config->model = g_strdup (models[0]);
  else if (error)
    g_debug ("could not list models: %s", error->message);

  g_task_return_pointer (task, g_steal_pointer (&resolve->config),
                         (GDestroyNotify) sam_provider_config_free);
}

/**
 * sam_provider_config_resolve_async:
 * @settings: (nullable): Samantha's settings
 * @cancellable: (nullable): stops detection
 * @callback: called with the configuration
 * @user_data: for @callback
 *
 * `SAMANTHA_PROVIDER`, `SAMANTHA_BASE_URL`, `SAMANTHA_MODEL` and `SAMANTHA_API_KEY` win over
 * the settings; settings for another provider than the one chosen are not mixed in. With
 * nothing chosen, a local Ollama and then a llama.cpp server are looked for. A server on this
 * computer without a chosen model gets its first model.
 */
void
sam_provider_config_resolve_async (GSettings          *settings,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autofree char  *env_provider = g_ascii_strdown (env ("SAMANTHA_PROVIDER") ?: "", -1);
  g_autofree char  *settings_provider = setting (settings, "provider");
  g_autofree char  *settings_url = setting (settings, "base-url");
  g_autofree char  *settings_model = setting (settings, "model");
  const char       *env_url = env ("SAMANTHA_BASE_URL");
  const char       *env_model = env ("SAMANTHA_MODEL");
  const char       *provider = NULL;
  const char       *url = NULL;
  const char       *model = NULL;
  ResolveData      *resolve;
  SamProviderSource source = SAM_PROVIDER_SOURCE_ENVIRONMENT;

  g_task_set_source_tag (task, sam_provider_config_resolve_async);
  resolve = g_new0 (ResolveData, 1);
  g_task_set_task_data (task, resolve, resolve_data_free);

  if (!sam_provider_id_is_valid (settings_provider))
    g_clear_pointer (&settings_provider, g_free);

  if (*env_provider && !sam_provider_id_is_valid (env_provider))
    {
      g_task_return_new_error (task, SAM_MODEL_ERROR, SAM_MODEL_ERROR_CONFIGURATION,
                               _ ("SAMANTHA_PROVIDER must be “openai”, “anthropic” or “ollama”, "
                                  "not “%s”."),
                               env ("SAMANTHA_PROVIDER"));
      return;
    }

  if (*env_provider)
    provider = env_provider;
  else if (env_url)
    provider = guess_provider (env_url);
  else if (settings_provider)
    {
      provider = settings_provider;
      source = SAM_PROVIDER_SOURCE_SETTINGS;
    }

  /* The settings' URL and model belong to the settings' provider. */
  if (provider && g_strcmp0 (provider, settings_provider) == 0)
    {
      url = settings_url;
      model = settings_model;
    }
  if (env_url)
    url = env_url;
  if (env_model)
    model = env_model;

  if (provider == NULL)
    {
      /* Nothing chosen: look for what runs on this computer. */
      resolve->config = sam_provider_config_new ("ollama", NULL, env_model ?: settings_model);
      resolve->config->api_key = g_strdup (env ("SAMANTHA_API_KEY"));
      probe_next (g_steal_pointer (&task));
      return;
    }

  resolve->config = sam_provider_config_new (provider, url, model);
  resolve->config->api_key = g_strdup (env ("SAMANTHA_API_KEY"));
  resolve->config->source = source;

  if (resolve->config->model == NULL && g_str_equal (provider, "anthropic"))
    resolve->config->model = g_strdup (SAM_ANTHROPIC_DEFAULT_MODEL);
  else if (resolve->config->model == NULL &&
           g_str_equal (resolve->config->base_url, SAM_OPENAI_DEFAULT_BASE_URL))
    resolve->config->model = g_strdup (SAM_OPENAI_DEFAULT_MODEL);

  if (resolve->config->model == NULL && !sam_provider_config_needs_key (resolve->config))
    {
      g_autoptr (SamProvider) local = sam_provider_config_create (resolve->config, NULL);

      sam_http_client_set_max_retries (sam_provider_get_http_client (local), 0);
      sam_provider_list_models_async (local, cancellable, local_models_cb, g_steal_pointer (&task));
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&resolve->config),
                         (GDestroyNotify) sam_provider_config_free);
}

/**
 * sam_provider_config_resolve_finish:
 * @result: the result
 * @error: a #SAM_MODEL_ERROR
 *
 * Returns: (transfer full): the configuration
 */
SamProviderConfig *
sam_provider_config_resolve_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
