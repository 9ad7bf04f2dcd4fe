/* sam-openai-provider.h — OpenAI Chat Completions and the many servers that speak it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "sam-provider.h"

G_BEGIN_DECLS

#define SAM_OPENAI_DEFAULT_BASE_URL "https://api.openai.com/v1"
#define SAM_OPENAI_DEFAULT_MODEL    "gpt-4o-mini"

#define SAM_TYPE_OPENAI_PROVIDER (sam_openai_provider_get_type ())

G_DECLARE_FINAL_TYPE (SamOpenaiProvider, sam_openai_provider, SAM, OPENAI_PROVIDER, GObject)

SamProvider *sam_openai_provider_new (const char *base_url, const char *api_key, const char *model);
void         sam_openai_provider_set_embedding_model (SamOpenaiProvider *self, const char *model);

G_END_DECLS
