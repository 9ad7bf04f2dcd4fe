/* sam-provider-config.h — which provider to use: environment, then settings, then what runs
 * on this computer.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "sam-provider.h"

G_BEGIN_DECLS

typedef enum
{
  SAM_PROVIDER_SOURCE_ENVIRONMENT,
  SAM_PROVIDER_SOURCE_SETTINGS,
  SAM_PROVIDER_SOURCE_DETECTED,
} SamProviderSource;

/**
 * SamProviderConfig:
 * @provider: "openai", "anthropic" or "ollama"
 * @base_url: the effective base URL, never %NULL
 * @model: (nullable): the model, when one is known
 * @api_key: (nullable): the key from `SAMANTHA_API_KEY`; never stored anywhere
 * @source: where @provider came from
 *
 * A resolved provider choice. The key from the keyring is the caller's business: this
 * layer does not reach the desktop.
 */
typedef struct
{
  char             *provider;
  char             *base_url;
  char             *model;
  char             *api_key;
  SamProviderSource source;
} SamProviderConfig;

#define SAM_TYPE_PROVIDER_CONFIG (sam_provider_config_get_type ())

GType sam_provider_config_get_type (void) G_GNUC_CONST;
SamProviderConfig *
sam_provider_config_new (const char *provider, const char *base_url, const char *model);
SamProviderConfig *sam_provider_config_copy (const SamProviderConfig *self);
void               sam_provider_config_free (SamProviderConfig *self);
gboolean           sam_provider_config_needs_key (const SamProviderConfig *self);
SamProvider       *sam_provider_config_create (const SamProviderConfig *self, const char *api_key);

const char *sam_provider_default_base_url (const char *provider);
gboolean    sam_provider_id_is_valid (const char *provider);
char       *sam_provider_normalize_base_url (const char *base_url);

void               sam_provider_config_resolve_async (GSettings          *settings,
                                                      GCancellable       *cancellable,
                                                      GAsyncReadyCallback callback,
                                                      gpointer            user_data);
SamProviderConfig *sam_provider_config_resolve_finish (GAsyncResult *result, GError **error);

void sam_provider_config_set_detection_urls (const char *ollama_url, const char *llamacpp_url);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SamProviderConfig, sam_provider_config_free)

G_END_DECLS
