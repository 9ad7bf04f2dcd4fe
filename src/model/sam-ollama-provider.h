/* sam-ollama-provider.h — Ollama's native API: /api/chat as NDJSON, /api/tags, /api/embed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "sam-provider.h"

G_BEGIN_DECLS

#define SAM_OLLAMA_DEFAULT_BASE_URL "http://127.0.0.1:11434"

#define SAM_TYPE_OLLAMA_PROVIDER (sam_ollama_provider_get_type ())

G_DECLARE_FINAL_TYPE (SamOllamaProvider, sam_ollama_provider, SAM, OLLAMA_PROVIDER, GObject)

SamProvider *sam_ollama_provider_new (const char *base_url, const char *api_key, const char *model);
void         sam_ollama_provider_set_embedding_model (SamOllamaProvider *self, const char *model);

G_END_DECLS
