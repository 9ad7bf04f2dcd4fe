/* sam-notifications.c — notifications for replies that finish while Samantha is not in focus.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* GNotification cannot carry a text entry on any of its backends, so "answering a
 * notification" is a Reply button that opens the quick-reply window on that conversation.
 * The body opens the conversation in the main window. Both go through the same app.* actions
 * as the tray and the command line. */

#include "config.h"

#include <glib/gi18n.h>
#include <gtk/gtk.h>

#include "sam-notifications.h"

#define PREVIEW_CHARS 140

static char *
notification_id (const char *conversation_id)
{
  return g_strdup_printf ("reply-%s", conversation_id);
}

static gboolean
application_has_focus (GApplication *application)
{
  if (!GTK_IS_APPLICATION (application))
    return FALSE;

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (application)); l; l = l->next)
    {
      if (gtk_widget_get_visible (l->data) && gtk_window_is_active (l->data))
        return TRUE;
    }

  return FALSE;
}

static gboolean
do_not_disturb (GApplication *application)
{
  g_autoptr (GVariant) state = NULL;

  if (!g_action_group_has_action (G_ACTION_GROUP (application), "do-not-disturb"))
    return FALSE;

  state = g_action_group_get_action_state (G_ACTION_GROUP (application), "do-not-disturb");
  return state != NULL && g_variant_is_of_type (state, G_VARIANT_TYPE_BOOLEAN) &&
         g_variant_get_boolean (state);
}

/**
 * sam_notifications_preview:
 * @text: a reply, possibly Markdown over several lines
 * @max_chars: the most characters to keep, ellipsis included
 *
 * The start of @text on one line, for a notification body: runs of white space become one
 * space, Markdown's heading marks, emphasis stars and code ticks go, and a cut falls between
 * words and ends with an ellipsis.
 */
char *
sam_notifications_preview (const char *text, gsize max_chars)
{
  g_autoptr (GString) line = g_string_new (NULL);
  g_autofree char *valid = NULL;
  gboolean         space = FALSE;
  gboolean         line_start = TRUE;
  const char      *cut;
  const char      *last_space;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (max_chars > 1, NULL);

  valid = g_utf8_make_valid (text, -1);

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '\n')
        line_start = TRUE;

      if (g_unichar_isspace (c))
        {
          space = line->len > 0;
          continue;
        }

      /* Markup that means nothing in a notification: # headings, **strong**, `code`. */
      if ((line_start && c == '#') || c == '`' ||
          (c == '*' && (p[1] == '*' || (p > valid && p[-1] == '*'))))
        continue;
      line_start = FALSE;

      if (space)
        g_string_append_c (line, ' ');
      space = FALSE;
      g_string_append_unichar (line, c);
    }

  if ((gsize) g_utf8_strlen (line->str, -1) <= max_chars)
    return g_string_free (g_steal_pointer (&line), FALSE);

  /* Keep room for the ellipsis, and cut between words unless that loses more than half. */
  cut = g_utf8_offset_to_pointer (line->str, max_chars - 1);
  g_string_truncate (line, cut - line->str);
  if (*cut != ' ' && (last_space = strrchr (line->str, ' ')) != NULL &&
      (gsize) (last_space - line->str) > line->len / 2)
    g_string_truncate (line, last_space - line->str);
  else
    {
      while (line->len > 0 && line->str[line->len - 1] == ' ')
        g_string_truncate (line, line->len - 1);
    }
  g_string_append (line, "…");

  return g_string_free (g_steal_pointer (&line), FALSE);
}

/**
 * sam_notifications_reply_completed:
 * @application: the application
 * @conversation_id: the conversation the reply belongs to
 * @title: (nullable): the conversation's title
 * @reply_text: the reply
 *
 * Tells the user about a finished reply, unless a window of @application has the focus (the
 * user is looking at it) or Do Not Disturb is on. The notification's body opens the
 * conversation (app.open-conversation) and its Reply button opens quick reply on it
 * (app.quick-reply-to). A newer reply in the same conversation replaces the older notification.
 *
 * Returns: whether a notification was sent
 */
gboolean
sam_notifications_reply_completed (GApplication *application,
                                   const char   *conversation_id,
                                   const char   *title,
                                   const char   *reply_text)
{
  g_autoptr (GNotification) notification = NULL;
  g_autofree char *id = NULL;
  g_autofree char *body = NULL;

  g_return_val_if_fail (G_IS_APPLICATION (application), FALSE);
  g_return_val_if_fail (conversation_id != NULL && *conversation_id != '\0', FALSE);
  g_return_val_if_fail (reply_text != NULL, FALSE);

  if (application_has_focus (application) || do_not_disturb (application))
    return FALSE;

  notification = g_notification_new (title && *title ? title : _ ("Samantha replied"));
  body = sam_notifications_preview (reply_text, PREVIEW_CHARS);
  g_notification_set_body (notification, body);
  g_notification_set_default_action_and_target (notification, "app.open-conversation", "s",
                                                conversation_id);
  g_notification_add_button_with_target (notification, _ ("Reply"), "app.quick-reply-to", "s",
                                         conversation_id);

  id = notification_id (conversation_id);
  g_application_send_notification (application, id, notification);

  return TRUE;
}

/* Takes back the notification of @conversation_id, once the user has seen the conversation. */
void
sam_notifications_withdraw (GApplication *application, const char *conversation_id)
{
  g_autofree char *id = NULL;

  g_return_if_fail (G_IS_APPLICATION (application));

  if (conversation_id == NULL || *conversation_id == '\0')
    return;

  id = notification_id (conversation_id);
  g_application_withdraw_notification (application, id);
}
