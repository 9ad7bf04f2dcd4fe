/* sam-anthropic-provider.h — Anthropic's Messages API.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "sam-provider.h"

G_BEGIN_DECLS

#define SAM_ANTHROPIC_DEFAULT_BASE_URL "https://api.anthropic.com"
#define SAM_ANTHROPIC_DEFAULT_MODEL    "claude-sonnet-4-5"
#define SAM_ANTHROPIC_API_VERSION      "2023-06-01"

#define SAM_TYPE_ANTHROPIC_PROVIDER (sam_anthropic_provider_get_type ())

G_DECLARE_FINAL_TYPE (
    SamAnthropicProvider, sam_anthropic_provider, SAM, ANTHROPIC_PROVIDER, GObject)

SamProvider *
sam_anthropic_provider_new (const char *base_url, const char *api_key, const char *model);

G_END_DECLS
