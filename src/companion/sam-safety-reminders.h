/* sam-safety-reminders.h — when to remind the user that Samantha is an AI, and to take a break.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A pause this long ends a stretch of continuous use. */
#define SAM_REMINDER_IDLE_GAP (30 * 60)
/* The AI notice comes back after this much continuous use (NY GBL §1702, CA SB 243). */
#define SAM_REMINDER_AI_INTERVAL (3 * 60 * 60)
/* Users under 18 get a break reminder at least this often, even with the setting off. */
#define SAM_REMINDER_MINOR_BREAK_INTERVAL (3 * 60 * 60)

typedef enum
{
  SAM_REMINDER_NONE = 0,
  SAM_REMINDER_AI = 1 << 0,
  SAM_REMINDER_BREAK = 1 << 1,
} SamReminders;

/* Times are Unix seconds; 0 means never. Keep the struct between messages (the last AI notice
 * across restarts too: the first conversation of each day gets one). */
typedef struct
{
  gint64 session_start;
  gint64 last_activity;
  gint64 last_ai_reminder;
  gint64 last_break_reminder;
} SamReminderState;

void         sam_reminder_state_note_activity (SamReminderState *state, gint64 now);
SamReminders sam_reminders_due (const SamReminderState *state,
                                gint64                  now,
                                GTimeZone              *zone,
                                gboolean                break_reminder,
                                guint                   break_minutes,
                                gboolean                is_minor);
void  sam_reminder_state_mark_shown (SamReminderState *state, SamReminders shown, gint64 now);
char *sam_reminders_text (SamReminders reminders);

G_END_DECLS
