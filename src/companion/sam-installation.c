/* sam-installation.c — the answers of the first-run installation, and what they become:
 * settings and the first core memory blocks.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "sam-installation.h"
#include "store/sam-memory-store.h"

/* The core blocks are written in English, for the model; the user reads them in Preferences →
 * Memory. The "user" block keeps one answer a line, so running the installation again can
 * show the answers that are not settings. */
#define DAYS_PREFIX   "Days: "
#define PEOPLE_PREFIX "People who matter: "

static const char *const age_ranges[] = { "under-18", "18-24", "25-44", "45-64", "65-plus", NULL };
static const char *const tones[] = { "warm", "playful", "calm", "direct", NULL };
static const char *const help_topics[] = { "company", "letters", "mail", "planning", NULL };

typedef struct
{
  const char *tone;
  const char *name;
  const char *reason;
  const char *style;
} Tone;

static const Tone tone_table[] = {
  { "warm", "Samantha", N_ ("It sounds like someone who listens, and I would like to."),
    "Warm and kind: gentle words, unhurried, glad to listen before giving advice." },
  { "playful", "Juno", N_ ("It is short and bright, and a little mischievous, like good company."),
    "Playful: light, curious and a little funny, never at the user's expense." },
  { "calm", "Wren", N_ ("A wren is small and quiet, and sings when it matters."),
    "Calm: quiet, steady and unhurried; short paragraphs and no exclamation marks." },
  { "direct", "Ada", N_ ("It is short and to the point, and so will I be."),
    "Direct: the answer first, short and clear; details only when asked." },
};

static const Tone *
find_tone (const char *tone)
{
  for (guint i = 0; i < G_N_ELEMENTS (tone_table); i++)
    if (g_strcmp0 (tone, tone_table[i].tone) == 0)
      return &tone_table[i];
  return NULL;
}

/* The age ranges the installation offers, as stored in the "age-range" setting. */
const char *const *
sam_installation_get_age_ranges (void)
{
  return age_ranges;
}

/* The tones the installation offers, as stored in the "tone" setting. */
const char *const *
sam_installation_get_tones (void)
{
  return tones;
}

/* What the user can ask help with, as stored in the "help-with" setting. */
const char *const *
sam_installation_get_help_topics (void)
{
  return help_topics;
}

/**
 * sam_installation_propose_name:
 * @tone: (nullable): the tone the user likes
 * @reason: (out) (optional): one translated sentence saying why
 *
 * The name the companion proposes for itself. It depends only on @tone, so the same answers
 * always give the same proposal, with or without a model.
 *
 * Returns: the name
 */
const char *
sam_installation_propose_name (const char *tone, const char **reason)
{
  const Tone *entry = find_tone (tone);

  if (entry == NULL)
    entry = &tone_table[0];
  if (reason)
    *reason = _ (entry->reason);
  return entry->name;
}

SamInstallation *
sam_installation_new (void)
{
  SamInstallation *self = g_new0 (SamInstallation, 1);

  self->help_with = g_new0 (char *, 1);
  self->archive_folders = g_new0 (char *, 1);
  return self;
}

void
sam_installation_free (SamInstallation *self)
{
  if (self == NULL)
    return;

  g_free (self->user_name);
  g_free (self->age_range);
  g_free (self->days);
  g_free (self->people);
  g_strfreev (self->help_with);
  g_free (self->tone);
  g_free (self->companion_name);
  g_strfreev (self->archive_folders);
  g_free (self);
}

static char *
nonempty_setting (GSettings *settings, const char *key)
{
  g_autofree char *value = g_settings_get_string (settings, key);

  return *g_strstrip (value) ? g_steal_pointer (&value) : NULL;
}

static char *
user_block_line (const char *block, const char *prefix)
{
  g_auto (GStrv) lines = g_strsplit (block ? block : "", "\n", -1);

  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], prefix) && lines[i][strlen (prefix)])
      return g_strdup (lines[i] + strlen (prefix));
  return NULL;
}

/**
 * sam_installation_load:
 * @settings: Samantha's settings
 * @store: (nullable): the store, for the answers kept in the "user" core block
 *
 * The answers given last time, so that running the installation again starts from them.
 *
 * Returns: (transfer full): the answers
 */
SamInstallation *
sam_installation_load (GSettings *settings, SamStore *store)
{
  SamInstallation *self = sam_installation_new ();
  g_autofree char *user_block = NULL;

  g_return_val_if_fail (G_IS_SETTINGS (settings), self);

  self->user_name = nonempty_setting (settings, "user-name");
  self->age_range = nonempty_setting (settings, "age-range");
  self->tone = nonempty_setting (settings, "tone");
  self->companion_name = nonempty_setting (settings, "companion-name");
  g_strfreev (self->help_with);
  self->help_with = g_settings_get_strv (settings, "help-with");
  g_strfreev (self->archive_folders);
  self->archive_folders = g_settings_get_strv (settings, "archive-folders");

  if (store && (user_block = sam_store_dup_core_block (store, "user", NULL)))
    {
      self->days = user_block_line (user_block, DAYS_PREFIX);
      self->people = user_block_line (user_block, PEOPLE_PREFIX);
    }

  return self;
}

static gboolean
answered (const char *answer)
{
  return answer != NULL && *answer != '\0';
}

/* One line of text: a newline in an answer would end its line in the "user" block. */
static char *
one_line (const char *text)
{
  char *line = g_strstrip (g_strdup (text));

  g_strdelimit (line, "\r\n", ' ');
  return line;
}

static const char *
help_topic_phrase (const char *topic)
{
  if (g_str_equal (topic, "company"))
    return "company and conversation";
  if (g_str_equal (topic, "letters"))
    return "writing letters";
  if (g_str_equal (topic, "mail"))
    return "sorting mail";
  if (g_str_equal (topic, "planning"))
    return "planning";
  return NULL;
}

static char *
help_phrase (const SamInstallation *self)
{
  g_autoptr (GString) text = g_string_new (NULL);

  for (guint i = 0; self->help_with && self->help_with[i]; i++)
    {
      const char *phrase = help_topic_phrase (self->help_with[i]);

      if (phrase == NULL)
        continue;
      if (text->len)
        g_string_append (text, ", ");
      g_string_append (text, phrase);
    }
  return text->len ? g_string_free (g_steal_pointer (&text), FALSE) : NULL;
}

static const char *
age_phrase (const char *age_range)
{
  if (g_strcmp0 (age_range, "under-18") == 0)
    return "under 18";
  if (g_strcmp0 (age_range, "65-plus") == 0)
    return "65 or older";
  return age_range;
}

static char *
user_block (const SamInstallation *self)
{
  g_autoptr (GString) text = g_string_new (NULL);
  g_autofree char *help = help_phrase (self);

  if (answered (self->user_name))
    {
      g_autofree char *name = one_line (self->user_name);
      g_string_append_printf (text, "Name: %s\n", name);
    }
  if (answered (self->age_range))
    g_string_append_printf (text, "Age range: %s\n", age_phrase (self->age_range));
  if (answered (self->days))
    {
      g_autofree char *days = one_line (self->days);
      g_string_append_printf (text, DAYS_PREFIX "%s\n", days);
    }
  if (answered (self->people))
    {
      g_autofree char *people = one_line (self->people);
      g_string_append_printf (text, PEOPLE_PREFIX "%s\n", people);
    }
  if (help)
    g_string_append_printf (text, "Would like help with: %s\n", help);

  if (text->len == 0)
    return NULL;
  g_string_truncate (text, text->len - 1);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
persona_block (const char *companion, const char *user)
{
  return g_strdup_printf ("I am %s, an AI companion. I run on a language model %s chose; I am "
                          "not a person, I have no body and I do not eat or sleep. I remember "
                          "what %s shares with me, and I never act for %s without asking "
                          "first.",
                          companion, user, user, user);
}

static char *
style_block (const SamInstallation *self, const char *user)
{
  const Tone *tone = find_tone (self->tone);
  g_autoptr (GString) text = g_string_new (tone ? tone->style : "");

  if (answered (self->user_name))
    g_string_append_printf (text, "%sCall the user %s.", text->len ? " " : "", user);
  return text->len ? g_string_free (g_steal_pointer (&text), FALSE) : NULL;
}

static gboolean
set_block (SamStore *store, const char *label, const char *value, GError **error)
{
  return value == NULL || sam_store_set_core_block (store, label, value, error);
}

/* Blocks the companion keeps up to date itself are only started, never overwritten. */
static gboolean
start_block (SamStore *store, const char *label, const char *value, GError **error)
{
  g_autofree char *current = sam_store_dup_core_block (store, label, NULL);

  if (current != NULL && *current != '\0')
    return TRUE;
  return sam_store_set_core_block (store, label, value, error);
}

/* An answer left empty is stored empty: the answers start from the last ones, so an empty
 * one was cleared on purpose. */
static void
set_string (GSettings *settings, const char *key, const char *answer)
{
  g_autofree char *line = one_line (answer ? answer : "");

  g_settings_set_string (settings, key, line);
}

static char *
relationship_block (const char *user, const char *companion, const char *help)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *today = g_date_time_format (now, "%Y-%m-%d");
  g_autoptr (GString) text = g_string_new (NULL);

  g_string_append_printf (text, "%s and %s met on %s, when %s set %s up.", user, companion, today,
                          user, companion);
  if (help)
    g_string_append_printf (text, " %s would like help with %s.", user, help);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/**
 * sam_installation_apply:
 * @self: the answers
 * @settings: Samantha's settings
 * @store: (nullable): where the core blocks go
 * @error: where to say why the blocks could not be written
 *
 * Writes the answers: settings for what the app itself uses (names, tone, age range, minor
 * mode, help topics, folders), and short "persona", "user" and "style" core blocks for the
 * model. The "relationship" and "now" blocks are only started, never overwritten, since the
 * companion keeps them up to date. Marks the installation done.
 *
 * Returns: whether everything was written
 */
gboolean
sam_installation_apply (const SamInstallation *self,
                        GSettings             *settings,
                        SamStore              *store,
                        GError               **error)
{
  g_autofree char *companion = NULL;
  g_autofree char *user = NULL;
  g_autofree char *user_text = NULL;
  g_autofree char *persona = NULL;
  g_autofree char *style = NULL;
  g_autofree char *relationship = NULL;
  g_autofree char *help = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (G_IS_SETTINGS (settings), FALSE);

  set_string (settings, "user-name", self->user_name);
  set_string (settings, "companion-name", self->companion_name);
  set_string (settings, "tone",
              answered (self->tone) && g_strv_contains (tones, self->tone) ? self->tone : "");
  if (answered (self->age_range) && g_strv_contains (age_ranges, self->age_range))
    {
      g_settings_set_string (settings, "age-range", self->age_range);
      g_settings_set_boolean (settings, "user-is-minor", g_str_equal (self->age_range, "under-18"));
    }
  g_settings_set_strv (settings, "help-with", (const char *const *) self->help_with);
  g_settings_set_strv (settings, "archive-folders", (const char *const *) self->archive_folders);
  g_settings_set_boolean (settings, "installation-done", TRUE);

  if (store == NULL)
    return TRUE;

  companion = answered (self->companion_name)
                  ? one_line (self->companion_name)
                  : g_strdup (sam_installation_propose_name (self->tone, NULL));
  user = answered (self->user_name) ? one_line (self->user_name) : g_strdup ("the user");
  user_text = user_block (self);
  persona = persona_block (companion, user);
  style = style_block (self, user);
  help = help_phrase (self);
  relationship = relationship_block (user, companion, help);

  return set_block (store, "persona", persona, error) &&
         set_block (store, "user", user_text, error) && set_block (store, "style", style, error) &&
         start_block (store, "relationship", relationship, error) &&
         start_block (store, "now", "Getting to know each other.", error);
}
