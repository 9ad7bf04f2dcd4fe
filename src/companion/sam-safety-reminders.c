/* sam-safety-reminders.c — when to remind the user that Samantha is an AI, and to take a break.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pure functions over a small state, so the rules are tested without a clock: an AI notice at
 * the first conversation of each (local) day and after every three hours of continuous use; a
 * break reminder after the chosen time when the user asked for one, and every three hours for
 * users under 18 regardless. A pause of half an hour ends continuous use.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "sam-safety-reminders.h"

/**
 * sam_reminder_state_note_activity:
 * @now: Unix seconds
 *
 * Call on every message the user sends, before sam_reminders_due().
 */
void
sam_reminder_state_note_activity (SamReminderState *state, gint64 now)
{
  g_return_if_fail (state != NULL);

  if (state->session_start == 0 || now - state->last_activity > SAM_REMINDER_IDLE_GAP)
    state->session_start = now;
  state->last_activity = now;
}

static gboolean
same_local_day (gint64 a, gint64 b, GTimeZone *zone)
{
  g_autoptr (GDateTime) utc_a = g_date_time_new_from_unix_utc (a);
  g_autoptr (GDateTime) utc_b = g_date_time_new_from_unix_utc (b);
  g_autoptr (GDateTime) local_a = NULL;
  g_autoptr (GDateTime) local_b = NULL;

  if (utc_a == NULL || utc_b == NULL)
    return FALSE;
  local_a = g_date_time_to_timezone (utc_a, zone);
  local_b = g_date_time_to_timezone (utc_b, zone);
  return g_date_time_get_year (local_a) == g_date_time_get_year (local_b) &&
         g_date_time_get_day_of_year (local_a) == g_date_time_get_day_of_year (local_b);
}

/**
 * sam_reminders_due:
 * @now: Unix seconds
 * @zone: the user's time zone, for "each day"
 * @break_reminder: whether the user asked for break reminders
 * @break_minutes: after how much continuous use
 * @is_minor: whether the user is under 18
 *
 * Returns: the reminders to show with this turn
 */
SamReminders
sam_reminders_due (const SamReminderState *state,
                   gint64                  now,
                   GTimeZone              *zone,
                   gboolean                break_reminder,
                   guint                   break_minutes,
                   gboolean                is_minor)
{
  SamReminders due = SAM_REMINDER_NONE;
  gint64       continuous_since;

  g_return_val_if_fail (state != NULL, SAM_REMINDER_NONE);
  g_return_val_if_fail (zone != NULL, SAM_REMINDER_NONE);

  continuous_since = state->session_start != 0 ? state->session_start : now;

  if (state->last_ai_reminder == 0 || !same_local_day (state->last_ai_reminder, now, zone) ||
      now - MAX (state->last_ai_reminder, continuous_since) >= SAM_REMINDER_AI_INTERVAL)
    due |= SAM_REMINDER_AI;

  if (break_reminder || is_minor)
    {
      gint64 interval = SAM_REMINDER_MINOR_BREAK_INTERVAL;

      if (break_reminder)
        interval = MAX (1, break_minutes) * 60;
      if (is_minor)
        interval = MIN (interval, SAM_REMINDER_MINOR_BREAK_INTERVAL);
      if (now - MAX (state->last_break_reminder, continuous_since) >= interval)
        due |= SAM_REMINDER_BREAK;
    }

  return due;
}

void
sam_reminder_state_mark_shown (SamReminderState *state, SamReminders shown, gint64 now)
{
  g_return_if_fail (state != NULL);

  if (shown & SAM_REMINDER_AI)
    state->last_ai_reminder = now;
  if (shown & SAM_REMINDER_BREAK)
    state->last_break_reminder = now;
}

/**
 * sam_reminders_text:
 *
 * Returns: (transfer full) (nullable): the words to show, in the user's language, or %NULL
 *   for %SAM_REMINDER_NONE. They never ask the user to stay.
 */
char *
sam_reminders_text (SamReminders reminders)
{
  GString *text;

  if (reminders == SAM_REMINDER_NONE)
    return NULL;

  text = g_string_new (NULL);
  if (reminders & SAM_REMINDER_AI)
    g_string_append (text, _ ("A reminder: I’m an AI, not a person. I can be wrong, and I can’t "
                              "take the place of the people in your life."));
  if (reminders & SAM_REMINDER_BREAK)
    {
      if (text->len > 0)
        g_string_append_c (text, ' ');
      g_string_append (text, _ ("We’ve been talking for a while. How about a short break: some "
                                "water, a stretch, or a message to someone you like?"));
    }
  return g_string_free (text, FALSE);
}
