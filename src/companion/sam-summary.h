/* sam-summary.h — the rolling summary: a conversation's older turns folded into a few sentences.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "model/sam-provider.h"
#include "store/sam-store.h"

G_BEGIN_DECLS

void  sam_summary_fold_async (SamStore           *store,
                              SamProvider        *provider,
                              SamConversation    *conversation,
                              GPtrArray          *messages,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data);
char *sam_summary_fold_finish (GAsyncResult *result, GError **error);

G_END_DECLS
