/* sam-secrets.c — API keys in the keyring (libsecret), and nowhere else.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "model/sam-provider-config.h"
#include "sam-secrets.h"

/* Keys live in the Secret Service (gnome-keyring, KWallet) or, inside Flatpak, in
 * libsecret's file backend unlocked through the Secret portal. They are looked up by
 * provider and base URL, so a key for OpenAI is never sent to another server. They are never
 * written to GSettings, the database, logs or exports; SAMANTHA_API_KEY overrides them
 * without being stored. */

G_DEFINE_QUARK (sam - secrets - error - quark, sam_secrets_error)

const SecretSchema *
sam_secrets_get_schema (void)
{
  static const SecretSchema schema = {
    SAM_SECRETS_SCHEMA_NAME,
    SECRET_SCHEMA_NONE,
    {
        { "provider", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { "base-url", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { NULL, 0 },
    },
  };

  return &schema;
}

/* The URL as the keyring knows it: normalized, or the provider's own. */
static char *
key_url (const char *provider, const char *base_url)
{
  char *url = sam_provider_normalize_base_url (base_url);

  return url ? url : g_strdup (sam_provider_default_base_url (provider));
}

static void
store_cb (GObject *object, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  g_autoptr (GError) error = NULL;

  if (secret_password_store_finish (result, &error))
    g_task_return_boolean (task, TRUE);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_new_error (task, SAM_SECRETS_ERROR, SAM_SECRETS_ERROR_UNAVAILABLE,
                             _ ("Could not save the API key in the keyring: %s"), error->message);
}

/**
 * sam_secrets_store_async:
 * @provider: "openai", "anthropic" or "ollama"
 * @base_url: (nullable): the provider's base URL; %NULL for its default
 * @api_key: the key
 * @cancellable: (nullable): stops the request
 * @callback: called when the key is stored
 * @user_data: for @callback
 *
 * Stores @api_key in the default collection, replacing any key for the same provider and
 * base URL.
 */
void
sam_secrets_store_async (const char         *provider,
                         const char         *base_url,
                         const char         *api_key,
                         GCancellable       *cancellable,
                         GAsyncReadyCallback callback,
                         gpointer            user_data)
{
  GTask           *task = g_task_new (NULL, cancellable, callback, user_data);
  g_autofree char *url = key_url (provider, base_url);
  g_autofree char *name = sam_provider_name_for_url (provider, url);
  /* Translators: the label of the key in the Passwords and Keys application. */
  g_autofree char *label = g_strdup_printf (_ ("Samantha API key for %s (%s)"), name, url);

  g_return_if_fail (provider != NULL);
  g_return_if_fail (api_key != NULL);

  g_task_set_source_tag (task, sam_secrets_store_async);
  secret_password_store (sam_secrets_get_schema (), SECRET_COLLECTION_DEFAULT, label, api_key,
                         cancellable, store_cb, task, "provider", provider, "base-url", url, NULL);
}

gboolean
sam_secrets_store_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
lookup_cb (GObject *object, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  g_autoptr (GError) error = NULL;
  char *api_key;

  api_key = secret_password_lookup_finish (result, &error);
  if (error && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_task_return_error (task, g_steal_pointer (&error));
  else if (error)
    g_task_return_new_error (task, SAM_SECRETS_ERROR, SAM_SECRETS_ERROR_UNAVAILABLE,
                             _ ("Could not read the API key from the keyring: %s"), error->message);
  else
    g_task_return_pointer (task, api_key, (GDestroyNotify) secret_password_free);
}

/**
 * sam_secrets_lookup_async:
 * @provider: "openai", "anthropic" or "ollama"
 * @base_url: (nullable): the provider's base URL; %NULL for its default
 * @cancellable: (nullable): stops the request
 * @callback: called with the key
 * @user_data: for @callback
 */
void
sam_secrets_lookup_async (const char         *provider,
                          const char         *base_url,
                          GCancellable       *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer            user_data)
{
  GTask           *task = g_task_new (NULL, cancellable, callback, user_data);
  g_autofree char *url = key_url (provider, base_url);

  g_return_if_fail (provider != NULL);

  g_task_set_source_tag (task, sam_secrets_lookup_async);
  secret_password_lookup (sam_secrets_get_schema (), cancellable, lookup_cb, task, "provider",
                          provider, "base-url", url, NULL);
}

/**
 * sam_secrets_lookup_finish:
 * @result: the result
 * @error: a #SAM_SECRETS_ERROR when the keyring could not be read
 *
 * Returns: (transfer full) (nullable): the key, to be freed with sam_secrets_free_key(), or
 *   %NULL without an error when none is stored
 */
char *
sam_secrets_lookup_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
clear_cb (GObject *object, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  g_autoptr (GError) error = NULL;

  /* FALSE without an error: there was nothing to remove, which is fine. */
  secret_password_clear_finish (result, &error);
  if (error && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_task_return_error (task, g_steal_pointer (&error));
  else if (error)
    g_task_return_new_error (task, SAM_SECRETS_ERROR, SAM_SECRETS_ERROR_UNAVAILABLE,
                             _ ("Could not remove the API key from the keyring: %s"),
                             error->message);
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * sam_secrets_clear_async:
 * @provider: "openai", "anthropic" or "ollama"
 * @base_url: (nullable): the provider's base URL; %NULL for its default
 * @cancellable: (nullable): stops the request
 * @callback: called when no key is stored any more
 * @user_data: for @callback
 */
void
sam_secrets_clear_async (const char         *provider,
                         const char         *base_url,
                         GCancellable       *cancellable,
                         GAsyncReadyCallback callback,
                         gpointer            user_data)
{
  GTask           *task = g_task_new (NULL, cancellable, callback, user_data);
  g_autofree char *url = key_url (provider, base_url);

  g_return_if_fail (provider != NULL);

  g_task_set_source_tag (task, sam_secrets_clear_async);
  secret_password_clear (sam_secrets_get_schema (), cancellable, clear_cb, task, "provider",
                         provider, "base-url", url, NULL);
}

gboolean
sam_secrets_clear_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Wipes the key from memory before freeing it. */
void
sam_secrets_free_key (char *api_key)
{
  secret_password_free (api_key);
}
