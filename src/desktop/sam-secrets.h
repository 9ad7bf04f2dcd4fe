/* sam-secrets.h — API keys in the keyring (libsecret), and nowhere else.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <libsecret/secret.h>

G_BEGIN_DECLS

#define SAM_SECRETS_SCHEMA_NAME "io.github.samanthaos.Samantha.ApiKey"

#define SAM_SECRETS_ERROR (sam_secrets_error_quark ())

typedef enum
{
  SAM_SECRETS_ERROR_UNAVAILABLE,
} SamSecretsError;

GQuark              sam_secrets_error_quark (void);
const SecretSchema *sam_secrets_get_schema (void);

void     sam_secrets_store_async (const char         *provider,
                                  const char         *base_url,
                                  const char         *api_key,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data);
gboolean sam_secrets_store_finish (GAsyncResult *result, GError **error);

void  sam_secrets_lookup_async (const char         *provider,
                                const char         *base_url,
                                GCancellable       *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer            user_data);
char *sam_secrets_lookup_finish (GAsyncResult *result, GError **error);

void     sam_secrets_clear_async (const char         *provider,
                                  const char         *base_url,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data);
gboolean sam_secrets_clear_finish (GAsyncResult *result, GError **error);

void sam_secrets_free_key (char *api_key);

G_END_DECLS
