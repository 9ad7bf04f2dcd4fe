/* test-quick-reply.c — the quick-reply window: command line, D-Bus activation, keyboard, looks.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>

#include "sam-application-desktop.h"
#include "sam-application.h"
#include "sam-test-ui.h"
#include "sam-test-util.h"
#include "ui/sam-quick-reply-window.h"
#include "ui/sam-window.h"

static SamApplication *app;

static GtkWidget *
template_child (gpointer widget, const char *name)
{
  GObject *child =
      gtk_widget_get_template_child (GTK_WIDGET (widget), G_OBJECT_TYPE (widget), name);

  g_assert_nonnull (child);
  return GTK_WIDGET (child);
}

static GtkWindow *
mapped_window (GType type)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l; l = l->next)
    {
      if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type) && gtk_widget_get_mapped (l->data))
        return l->data;
    }

  return NULL;
}

static guint
count_windows (GType type)
{
  guint n = 0;

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l; l = l->next)
    {
      if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type))
        n++;
    }

  return n;
}

static gboolean
window_is_mapped (gpointer data)
{
  return mapped_window (GPOINTER_TO_SIZE (data)) != NULL;
}

static gboolean
no_window_of_type (gpointer data)
{
  return count_windows (GPOINTER_TO_SIZE (data)) == 0;
}

static SamQuickReplyWindow *
wait_for_quick_reply (void)
{
  GtkWindow *window;

  g_assert_true (sam_test_ui_wait_for (window_is_mapped,
                                       GSIZE_TO_POINTER (SAM_TYPE_QUICK_REPLY_WINDOW), 5000));
  window = mapped_window (SAM_TYPE_QUICK_REPLY_WINDOW);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  return SAM_QUICK_REPLY_WINDOW (window);
}

static void
close_windows (void)
{
  GList *windows;

  while ((windows = gtk_application_get_windows (GTK_APPLICATION (app))))
    gtk_window_destroy (windows->data);
  sam_test_ui_iterate (20);
}

typedef struct
{
  gboolean done;
  gboolean success;
  GError  *error;
} Wait;

static void
process_exited_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Wait *wait = user_data;

  wait->success = g_subprocess_wait_check_finish (G_SUBPROCESS (object), result, &wait->error);
  wait->done = TRUE;
}

static gboolean
wait_is_done (gpointer data)
{
  return ((Wait *) data)->done;
}

static void
test_quick_reply_command_line (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) process = NULL;
  SamQuickReplyWindow *window;
  Wait                 wait = { 0 };
  gint64               start;

  close_windows ();

  /* The real binary finds this process, which owns the app ID on the bus, and hands over. */
  start = g_get_monotonic_time ();
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, g_getenv ("SAMANTHA_EXE"),
                              "--quick-reply", NULL);
  g_assert_no_error (error);
  g_subprocess_wait_check_async (process, NULL, process_exited_cb, &wait);

  window = wait_for_quick_reply ();
  g_test_message ("samantha --quick-reply → window in the running instance after %.0f ms",
                  (g_get_monotonic_time () - start) / 1000.0);
  g_assert_cmpstr (sam_quick_reply_window_get_conversation_id (window), ==, "");

  /* The second process exits at once and successfully; no main window was opened here. */
  g_assert_true (sam_test_ui_wait_for (wait_is_done, &wait, 5000));
  g_assert_no_error (wait.error);
  g_assert_true (wait.success);
  g_assert_cmpuint (count_windows (SAM_TYPE_WINDOW), ==, 0);

  /* Again: the one window comes back rather than a second one. */
  g_clear_object (&process);
  wait = (Wait){ 0 };
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, g_getenv ("SAMANTHA_EXE"),
                              "--quick-reply", NULL);
  g_assert_no_error (error);
  g_subprocess_wait_check_async (process, NULL, process_exited_cb, &wait);
  g_assert_true (sam_test_ui_wait_for (wait_is_done, &wait, 5000));
  g_assert_true (wait.success);
  sam_test_ui_iterate (50);
  g_assert_cmpuint (count_windows (SAM_TYPE_QUICK_REPLY_WINDOW), ==, 1);
}

typedef struct
{
  gboolean  done;
  GVariant *reply;
  GError   *error;
} Call;

static void
call_done_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Call *call = user_data;

  call->reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &call->error);
  call->done = TRUE;
}

/* What GNOME Shell sends for the desktop file's "Quick Reply" action (DBusActivatable=true):
 * org.freedesktop.Application.ActivateAction, here from a connection of its own. */
static void
activate_action_over_dbus (GDBusConnection *connection, const char *action, GVariant *parameter)
{
  GVariantBuilder parameters;
  Call            call = { 0 };

  g_variant_builder_init (&parameters, G_VARIANT_TYPE ("av"));
  if (parameter != NULL)
    g_variant_builder_add (&parameters, "v", parameter);

  g_dbus_connection_call (connection, APP_ID, "/io/github/samanthaos/Samantha",
                          "org.freedesktop.Application", "ActivateAction",
                          g_variant_new ("(sava{sv})", action, &parameters, NULL), NULL,
                          G_DBUS_CALL_FLAGS_NONE, 5000, NULL, call_done_cb, &call);
  while (!call.done)
    g_main_context_iteration (NULL, TRUE);

  g_assert_no_error (call.error);
  g_variant_unref (call.reply);
}

static void
test_quick_reply_desktop_action (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusConnection) shell = NULL;
  g_autofree char     *address = NULL;
  SamQuickReplyWindow *window;

  close_windows ();

  address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  shell =
      g_dbus_connection_new_for_address_sync (address,
                                              G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                  G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                              NULL, NULL, &error);
  g_assert_no_error (error);

  /* The desktop action comes without a parameter. */
  activate_action_over_dbus (shell, "quick-reply", NULL);
  window = wait_for_quick_reply ();
  g_assert_cmpstr (sam_quick_reply_window_get_conversation_id (window), ==, "");

  /* A notification's Reply button names the conversation; the same window switches to it. */
  activate_action_over_dbus (shell, "quick-reply-to", g_variant_new_string ("conv-3"));
  sam_test_ui_iterate (20);
  g_assert_cmpuint (count_windows (SAM_TYPE_QUICK_REPLY_WINDOW), ==, 1);
  g_assert_cmpstr (sam_quick_reply_window_get_conversation_id (window), ==, "conv-3");
  g_assert_true (
      sam_quick_reply_window_get_conversation_id (window) ==
      sam_quick_reply_window_get_conversation_id (
          sam_application_desktop_get_quick_reply_window (sam_application_get_desktop (app))));

  g_dbus_connection_close_sync (shell, NULL, NULL);
}

static void
send_cb (SamQuickReplyWindow *window, const char *text, GPtrArray *sent)
{
  g_ptr_array_add (sent, g_strdup (text));
}

static gboolean
escape_closes (GtkWidget *widget)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GObject) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;

      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr (GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (shortcut);
          GtkShortcutAction  *action = gtk_shortcut_get_action (shortcut);

          if (GTK_IS_KEYVAL_TRIGGER (trigger) &&
              gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)) == GDK_KEY_Escape &&
              gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger)) == 0 &&
              GTK_IS_NAMED_ACTION (action) &&
              g_str_equal (gtk_named_action_get_action_name (GTK_NAMED_ACTION (action)),
                           "window.close"))
            return TRUE;
        }
    }

  return FALSE;
}

static void
test_quick_reply_keyboard (void)
{
  g_autoptr (GPtrArray) sent = g_ptr_array_new_with_free_func (g_free);
  SamQuickReplyWindow *window;
  GtkEntry            *entry;
  GtkWidget           *send_button;

  close_windows ();
  g_action_group_activate_action (G_ACTION_GROUP (app), "quick-reply", NULL);
  window = wait_for_quick_reply ();
  entry = sam_quick_reply_window_get_entry (window);
  send_button = template_child (window, "send_button");
  g_signal_connect (window, "send", G_CALLBACK (send_cb), sent);

  /* Ready for typing at once. */
  g_assert_true (
      gtk_widget_is_ancestor (gtk_window_get_focus (GTK_WINDOW (window)), GTK_WIDGET (entry)));

  /* Nothing to send yet. */
  g_assert_false (gtk_widget_get_sensitive (send_button));
  gtk_editable_set_text (GTK_EDITABLE (entry), "   ");
  g_assert_false (gtk_widget_get_sensitive (send_button));

  /* Enter sends the trimmed text and clears the entry. */
  gtk_editable_set_text (GTK_EDITABLE (entry), "  What time is it in Lisbon?  ");
  g_assert_true (gtk_widget_get_sensitive (send_button));
  g_signal_emit_by_name (entry, "activate");
  g_assert_cmpuint (sent->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (sent, 0), ==, "What time is it in Lisbon?");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");
  g_assert_false (gtk_widget_get_sensitive (send_button));

  /* Enter on an empty entry sends nothing. */
  g_signal_emit_by_name (entry, "activate");
  g_assert_cmpuint (sent->len, ==, 1);

  /* The Send button does the same as Enter. */
  gtk_editable_set_text (GTK_EDITABLE (entry), "And in Tokyo?");
  g_signal_emit_by_name (send_button, "clicked");
  g_assert_cmpuint (sent->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (sent, 1), ==, "And in Tokyo?");

  /* Escape closes the window. */
  g_assert_true (escape_closes (GTK_WIDGET (window)));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "window.close", NULL));
  g_assert_true (sam_test_ui_wait_for (no_window_of_type,
                                       GSIZE_TO_POINTER (SAM_TYPE_QUICK_REPLY_WINDOW), 2000));
  g_assert_null (
      sam_application_desktop_get_quick_reply_window (sam_application_get_desktop (app)));
}

static void
test_quick_reply_open_in_samantha (void)
{
  SamQuickReplyWindow *window;

  close_windows ();
  g_action_group_activate_action (G_ACTION_GROUP (app), "quick-reply-to",
                                  g_variant_new_string ("conv-9"));
  window = wait_for_quick_reply ();
  g_assert_cmpstr (sam_quick_reply_window_get_conversation_id (window), ==, "conv-9");

  /* The conversation moves to the main window, and quick reply is done. */
  g_assert_true (
      gtk_widget_activate_action (GTK_WIDGET (window), "quick-reply.open-in-samantha", NULL));
  g_assert_true (sam_test_ui_wait_for (window_is_mapped, GSIZE_TO_POINTER (SAM_TYPE_WINDOW), 5000));
  g_assert_true (sam_test_ui_wait_for (no_window_of_type,
                                       GSIZE_TO_POINTER (SAM_TYPE_QUICK_REPLY_WINDOW), 2000));
  close_windows ();
}

static void
test_quick_reply_looks (void)
{
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  AdwStyleManager     *style_manager = adw_style_manager_get_default ();
  SamQuickReplyWindow *window;
  g_autofree char     *light = NULL;
  g_autofree char     *dark = NULL;
  int                  width, height;

  close_windows ();
  g_action_group_activate_action (G_ACTION_GROUP (app), "quick-reply", NULL);
  window = wait_for_quick_reply ();

  /* Small, but not cramped. */
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, <=, 480);
  g_assert_cmpint (height, <=, 600);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Quick Reply");

  /* Always says what it is. */
  g_assert_true (gtk_widget_is_drawable (template_child (window, "ai_label")));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (template_child (window, "ai_label"))), ==,
                   "Samantha is an AI, not a person");
  g_assert_true (GTK_IS_BOX (sam_quick_reply_window_get_chat_area (window)));

  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (template_child (window, "send_button")),
                                   GTK_ACCESSIBLE_ROLE_BUTTON);
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (template_child (window, "send_button")),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "Send");
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (template_child (window, "message_entry")),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "Message");
  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (template_child (window, "open_button")),
                                   GTK_ACCESSIBLE_ROLE_BUTTON);

  sam_quick_reply_window_set_subtitle (window, "Quick replies");
  gtk_editable_set_text (GTK_EDITABLE (sam_quick_reply_window_get_entry (window)),
                         "What should I cook tonight?");
  sam_test_ui_iterate (100);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  light = sam_test_ui_save_png (GTK_WIDGET (window), "quick-reply");
  g_test_message ("screenshot: %s", light);

  g_settings_set_string (settings, "color-scheme", "force-dark");
  g_assert_true (adw_style_manager_get_dark (style_manager));
  sam_test_ui_iterate (100);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  dark = sam_test_ui_save_png (GTK_WIDGET (window), "quick-reply-dark");
  g_test_message ("screenshot: %s", dark);

  g_settings_reset (settings, "color-scheme");
  close_windows ();
}

static void
test_quick_reply_conversation_widget (void)
{
  SamQuickReplyWindow *window;
  GtkWidget           *view = gtk_label_new ("a conversation view");

  close_windows ();
  g_action_group_activate_action (G_ACTION_GROUP (app), "quick-reply", NULL);
  window = wait_for_quick_reply ();
  g_assert_true (gtk_widget_get_visible (template_child (window, "placeholder")));
  g_assert_true (gtk_widget_get_visible (template_child (window, "composer")));

  /* The shared conversation view brings its own composer and AI label. */
  sam_quick_reply_window_set_conversation_widget (window, view);
  g_assert_true (gtk_widget_get_parent (view) ==
                 GTK_WIDGET (sam_quick_reply_window_get_chat_area (window)));
  g_assert_true (gtk_widget_get_vexpand (view));
  g_assert_false (gtk_widget_get_visible (template_child (window, "placeholder")));
  g_assert_false (gtk_widget_get_visible (template_child (window, "composer")));
  g_assert_false (gtk_widget_get_visible (template_child (window, "ai_label")));

  sam_quick_reply_window_set_conversation_widget (window, NULL);
  g_assert_true (gtk_widget_get_visible (template_child (window, "placeholder")));
  g_assert_true (gtk_widget_get_visible (template_child (window, "composer")));
  g_assert_true (gtk_widget_get_visible (template_child (window, "ai_label")));
  close_windows ();
}

int
main (int argc, char *argv[])
{
  g_autoptr (GError) error = NULL;
  int ret;

  sam_test_init_environment ();
  gtk_test_init (&argc, &argv, NULL);

  app = sam_application_new ();
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/quick-reply/command-line", test_quick_reply_command_line);
  g_test_add_func ("/quick-reply/desktop-action", test_quick_reply_desktop_action);
  g_test_add_func ("/quick-reply/keyboard", test_quick_reply_keyboard);
  g_test_add_func ("/quick-reply/open-in-samantha", test_quick_reply_open_in_samantha);
  g_test_add_func ("/quick-reply/looks", test_quick_reply_looks);
  g_test_add_func ("/quick-reply/conversation-widget", test_quick_reply_conversation_widget);

  ret = g_test_run ();

  close_windows ();
  g_clear_object (&app);
  return ret;
}
