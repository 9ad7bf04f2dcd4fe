/* sam-installation.h — the answers of the first-run installation, and what they become:
 * settings and the first core memory blocks.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "store/sam-store.h"

G_BEGIN_DECLS

/**
 * SamInstallation:
 * @user_name: what the companion calls the user, or %NULL
 * @age_range: "under-18", "18-24", "25-44", "45-64", "65-plus", or %NULL when not given
 * @days: what fills the user's days, in their words, or %NULL
 * @people: who matters to the user, in their words, or %NULL
 * @help_with: (array zero-terminated=1): "company", "letters", "mail", "planning"
 * @tone: "warm", "playful", "calm", "direct", or %NULL
 * @companion_name: the name the companion goes by, or %NULL for its proposal
 * @archive_folders: (array zero-terminated=1): folders the user agreed to let it read
 *
 * Every answer can be left out: an unanswered question changes nothing.
 */
typedef struct
{
  char *user_name;
  char *age_range;
  char *days;
  char *people;
  GStrv help_with;
  char *tone;
  char *companion_name;
  GStrv archive_folders;
} SamInstallation;

SamInstallation *sam_installation_new (void);
void             sam_installation_free (SamInstallation *self);
SamInstallation *sam_installation_load (GSettings *settings, SamStore *store);
gboolean         sam_installation_apply (const SamInstallation *self,
                                         GSettings             *settings,
                                         SamStore              *store,
                                         GError               **error);

const char        *sam_installation_propose_name (const char *tone, const char **reason);
const char *const *sam_installation_get_age_ranges (void);
const char *const *sam_installation_get_tones (void);
const char *const *sam_installation_get_help_topics (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SamInstallation, sam_installation_free)

G_END_DECLS
