/* test-tray.c — the tray icon against a mock StatusNotifierWatcher on a private bus.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The mock watcher (sam-test-watcher.c) lives on a second connection to the test's private bus,
 * as a desktop would, and calls the item asynchronously: the item is served from this thread's
 * main context. */

#include "config.h"

#include <adwaita.h>

#include "desktop/sam-tray.h"
#include "sam-application-desktop.h"
#include "sam-application.h"
#include "sam-test-ui.h"
#include "sam-test-util.h"
#include "sam-test-watcher.h"
#include "ui/sam-quick-reply-window.h"
#include "ui/sam-window.h"

#define WATCHER_PATH "/StatusNotifierWatcher"
#define ITEM_IFACE   "org.kde.StatusNotifierItem"
#define MENU_IFACE   "com.canonical.dbusmenu"

static SamTestWatcher *desktop;
static SamApplication *app;

static const char *const no_names[] = { NULL };

static const char *
app_name (void)
{
  return g_dbus_connection_get_unique_name (
      g_application_get_dbus_connection (G_APPLICATION (app)));
}

static GVariant *
app_call (const char *path, const char *iface, const char *method, GVariant *parameters)
{
  g_autoptr (GError) error = NULL;
  GVariant *reply;

  reply = sam_test_watcher_call (desktop, app_name (), path, iface, method, parameters, &error);
  g_assert_no_error (error);
  return reply;
}

static GVariant *
item_property (const char *name)
{
  g_autoptr (GVariant) reply = NULL;
  GVariant *value;

  reply = app_call (SAM_TRAY_ITEM_PATH, "org.freedesktop.DBus.Properties", "Get",
                    g_variant_new ("(ss)", ITEM_IFACE, name));
  g_variant_get (reply, "(v)", &value);
  return value;
}

static SamApplicationDesktop *
app_desktop (void)
{
  SamApplicationDesktop *app_desktop = sam_application_get_desktop (app);

  g_assert_nonnull (app_desktop);
  return app_desktop;
}

static SamTray *
app_tray (void)
{
  SamTray *tray = sam_application_desktop_get_tray (app_desktop ());

  g_assert_nonnull (tray);
  return tray;
}

static gboolean
tray_is_available (gpointer data)
{
  return sam_tray_get_available (app_tray ()) == GPOINTER_TO_INT (data);
}

static gboolean
registrations_reach (gpointer data)
{
  return desktop->registrations >= GPOINTER_TO_UINT (data);
}

static GtkWindow *
visible_window (GType type)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l; l = l->next)
    {
      if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type) && gtk_widget_get_mapped (l->data))
        return l->data;
    }

  return NULL;
}

static gboolean
window_is_mapped (gpointer data)
{
  return visible_window (GPOINTER_TO_SIZE (data)) != NULL;
}

static void
close_windows (void)
{
  GList *windows;

  while ((windows = gtk_application_get_windows (GTK_APPLICATION (app))))
    gtk_window_destroy (windows->data);
  sam_test_ui_iterate (20);
}

static void
start_app (void)
{
  g_autoptr (GError) error = NULL;

  app = sam_application_new ();
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
}

/* The real binary, driven only from the desktop side: it registers, survives Activate, and the
 * menu's Quit ends the process. */

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
test_tray_process_quit (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) value = NULL;
  g_autoptr (GVariant) layout = NULL;
  g_autoptr (GVariant) children = NULL;
  g_autoptr (GVariant) quit = NULL;
  g_autoptr (GVariant) quit_props = NULL;
  g_autofree char *sender = NULL;
  const char      *label = NULL;
  Wait             wait = { 0 };
  gint64           start;

  sam_test_watcher_appear (desktop);
  desktop->registrations = 0;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, g_getenv ("SAMANTHA_EXE"), NULL);
  g_assert_no_error (error);
  g_subprocess_wait_check_async (process, NULL, process_exited_cb, &wait);

  g_assert_true (sam_test_ui_wait_for (registrations_reach, GUINT_TO_POINTER (1), 10000));
  g_assert_false (wait.done);
  g_assert_cmpstr (desktop->service, ==, SAM_TRAY_ITEM_PATH);
  sender = g_strdup (desktop->sender);

  reply =
      sam_test_watcher_call (desktop, sender, SAM_TRAY_ITEM_PATH, "org.freedesktop.DBus.Properties",
                             "Get", g_variant_new ("(ss)", ITEM_IFACE, "Id"), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(v)", &value);
  g_assert_cmpstr (g_variant_get_string (value, NULL), ==, APP_ID);
  g_clear_pointer (&reply, g_variant_unref);

  /* A left click opens quick reply and leaves the app running. */
  reply = sam_test_watcher_call (desktop, sender, SAM_TRAY_ITEM_PATH, ITEM_IFACE, "Activate",
                                 g_variant_new ("(ii)", 0, 0), &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  sam_test_ui_iterate (200);
  g_assert_false (wait.done);

  /* The fifth entry is Quit. */
  reply = sam_test_watcher_call (desktop, sender, SAM_TRAY_MENU_PATH, MENU_IFACE, "GetLayout",
                                 g_variant_new ("(ii^as)", 0, -1, no_names), &error);
  g_assert_no_error (error);
  layout = g_variant_get_child_value (reply, 1);
  children = g_variant_get_child_value (layout, 2);
  g_variant_get_child (children, 4, "v", &quit);
  quit_props = g_variant_get_child_value (quit, 1);
  g_assert_true (g_variant_lookup (quit_props, "label", "&s", &label));
  g_assert_cmpstr (label, ==, "_Quit");
  g_clear_pointer (&reply, g_variant_unref);

  start = g_get_monotonic_time ();
  reply = sam_test_watcher_call (desktop, sender, SAM_TRAY_MENU_PATH, MENU_IFACE, "Event",
                                 g_variant_new ("(isvu)", 5, "clicked", g_variant_new_int32 (0), 0),
                                 &error);
  g_assert_no_error (error);

  g_assert_true (sam_test_ui_wait_for (wait_is_done, &wait, 10000));
  g_assert_no_error (wait.error);
  g_assert_true (wait.success);
  g_test_message ("Quit from the tray menu ended the process in %.0f ms",
                  (g_get_monotonic_time () - start) / 1000.0);

  sam_test_watcher_vanish (desktop);
}

static void
test_tray_no_watcher (void)
{
  desktop->registrations = 0;
  start_app ();

  /* Stock GNOME Shell: nobody shows the icon, so nothing may hide into it. */
  sam_test_ui_iterate (100);
  g_assert_false (sam_tray_get_available (app_tray ()));
  g_assert_false (sam_application_desktop_get_held (app_desktop ()));
  g_assert_cmpuint (desktop->registrations, ==, 0);
}

static void
test_tray_register (void)
{
  desktop->registrations = 0;
  sam_test_watcher_appear (desktop);

  g_assert_true (sam_test_ui_wait_for (registrations_reach, GUINT_TO_POINTER (1), 5000));
  g_assert_true (sam_test_ui_wait_for (tray_is_available, GINT_TO_POINTER (TRUE), 5000));

  /* By object path, from the app's own unique name: no org.kde.* name is owned. */
  g_assert_cmpstr (desktop->sender, ==, app_name ());
  g_assert_cmpstr (desktop->service, ==, SAM_TRAY_ITEM_PATH);
  g_assert_true (sam_application_desktop_get_held (app_desktop ()));
}

static void
test_tray_properties (void)
{
  g_autoptr (GVariant) value = NULL;
  g_autoptr (GVariant) pixmap = NULL;
  g_autoptr (GVariant) data = NULL;
  const char *title;
  const char *description;
  int         width, height;

  value = item_property ("IconName");
  g_assert_cmpstr (g_variant_get_string (value, NULL), ==,
                   "io.github.samanthaos.Samantha-symbolic");
  g_clear_pointer (&value, g_variant_unref);

  value = item_property ("Title");
  g_assert_cmpstr (g_variant_get_string (value, NULL), ==, "Samantha");
  g_clear_pointer (&value, g_variant_unref);

  value = item_property ("Status");
  g_assert_cmpstr (g_variant_get_string (value, NULL), ==, "Active");
  g_clear_pointer (&value, g_variant_unref);

  value = item_property ("Id");
  g_assert_cmpstr (g_variant_get_string (value, NULL), ==, APP_ID);
  g_clear_pointer (&value, g_variant_unref);

  value = item_property ("Category");
  g_assert_cmpstr (g_variant_get_string (value, NULL), ==, "Communications");
  g_clear_pointer (&value, g_variant_unref);

  value = item_property ("ItemIsMenu");
  g_assert_false (g_variant_get_boolean (value));
  g_clear_pointer (&value, g_variant_unref);

  value = item_property ("Menu");
  g_assert_cmpstr (g_variant_get_string (value, NULL), ==, SAM_TRAY_MENU_PATH);
  g_clear_pointer (&value, g_variant_unref);

  value = item_property ("ToolTip");
  g_variant_get (value, "(s@a(iiay)&s&s)", NULL, NULL, &title, &description);
  g_assert_cmpstr (title, ==, "Samantha");
  g_assert_cmpstr (description, ==, "Click for a quick reply");
  g_clear_pointer (&value, g_variant_unref);

  /* The fallback pixels: ARGB32 of the right size, not empty. */
  value = item_property ("IconPixmap");
  g_assert_cmpuint (g_variant_n_children (value), >=, 1);
  pixmap = g_variant_get_child_value (value, 0);
  g_variant_get (pixmap, "(ii@ay)", &width, &height, &data);
  g_assert_cmpint (width, ==, 22);
  g_assert_cmpint (height, ==, 22);
  g_assert_cmpuint (g_variant_get_size (data), ==, (gsize) width * height * 4);
}

static void
test_tray_activate (void)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;
  SamQuickReplyWindow *quick_reply;
  SamTestCall          call;
  gint64               start;
  double               mapped_ms;
  double               drawn_ms;

  close_windows ();
  g_assert_null (visible_window (SAM_TYPE_QUICK_REPLY_WINDOW));

  /* Measured from the moment the desktop sends the click. */
  start = g_get_monotonic_time ();
  sam_test_watcher_call_start (desktop, app_name (), SAM_TRAY_ITEM_PATH, ITEM_IFACE, "Activate",
                               g_variant_new ("(ii)", 10, 10), &call);
  g_assert_true (sam_test_ui_wait_for (window_is_mapped,
                                       GSIZE_TO_POINTER (SAM_TYPE_QUICK_REPLY_WINDOW), 2000));
  mapped_ms = (g_get_monotonic_time () - start) / 1000.0;
  quick_reply = SAM_QUICK_REPLY_WINDOW (visible_window (SAM_TYPE_QUICK_REPLY_WINDOW));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (quick_reply));
  drawn_ms = (g_get_monotonic_time () - start) / 1000.0;

  g_test_message ("Activate → quick-reply window mapped in %.1f ms, drawn in %.1f ms", mapped_ms,
                  drawn_ms);
  g_assert_cmpfloat (mapped_ms, <, 200.0);

  reply = sam_test_call_wait (&call, &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);

  /* The "Quick replies" conversation, with the composer ready for typing. */
  g_assert_cmpint (
      sam_conversation_get_kind (sam_quick_reply_window_get_conversation (quick_reply)), ==,
      SAM_CONVERSATION_KIND_QUICK_REPLY);
  g_assert_true (GTK_IS_TEXT_VIEW (gtk_window_get_focus (GTK_WINDOW (quick_reply))));
  g_assert_true (
      gtk_widget_is_ancestor (gtk_window_get_focus (GTK_WINDOW (quick_reply)),
                              sam_quick_reply_window_get_conversation_widget (quick_reply)));
  g_assert_null (visible_window (SAM_TYPE_WINDOW));

  /* A middle click opens the main window. */
  reply =
      app_call (SAM_TRAY_ITEM_PATH, ITEM_IFACE, "SecondaryActivate", g_variant_new ("(ii)", 0, 0));
  g_assert_true (sam_test_ui_wait_for (window_is_mapped, GSIZE_TO_POINTER (SAM_TYPE_WINDOW), 2000));
  close_windows ();
}

static GVariant *
menu_layout (void)
{
  g_autoptr (GVariant) reply = NULL;
  guint revision;

  reply = app_call (SAM_TRAY_MENU_PATH, MENU_IFACE, "GetLayout",
                    g_variant_new ("(ii^as)", 0, -1, no_names));
  g_variant_get_child (reply, 0, "u", &revision);
  g_assert_cmpuint (revision, >=, 1);
  return g_variant_get_child_value (reply, 1);
}

static GVariant *
menu_entry (GVariant *layout, guint index)
{
  g_autoptr (GVariant) children = g_variant_get_child_value (layout, 2);
  g_autoptr (GVariant) child = NULL;

  g_variant_get_child (children, index, "v", &child);
  return g_variant_get_child_value (child, 1);
}

static void
menu_click (int id)
{
  g_autoptr (GVariant) reply = NULL;

  reply = app_call (SAM_TRAY_MENU_PATH, MENU_IFACE, "Event",
                    g_variant_new ("(isvu)", id, "clicked", g_variant_new_int32 (0), 0));
}

static gboolean
signal_seen (gpointer data)
{
  return sam_test_watcher_saw_signal (desktop, data);
}

static void
assert_variant (GVariant *value, const char *expected)
{
  g_autofree char *printed = g_variant_print (value, FALSE);

  g_assert_cmpstr (printed, ==, expected);
}

static GVariant *
int_array (int a, int b)
{
  const int ints[] = { a, b };

  return g_variant_new_fixed_array (G_VARIANT_TYPE_INT32, ints, 2, sizeof (int));
}

static void
test_tray_menu (void)
{
  static const char *const label_name[] = { "label", NULL };
  g_autoptr (GVariant) layout = menu_layout ();
  g_autoptr (GVariant) root_props = g_variant_get_child_value (layout, 1);
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) value = NULL;
  g_autoptr (GError) error = NULL;
  static const char *labels[] = { "_Quick Reply", "_Open Samantha", "_Do Not Disturb", NULL,
                                  "_Quit" };
  const char        *string;
  int                toggle_state;
  gboolean           need_update = TRUE;

  g_assert_true (g_variant_lookup (root_props, "children-display", "&s", &string));
  g_assert_cmpstr (string, ==, "submenu");
  {
    g_autoptr (GVariant) children = g_variant_get_child_value (layout, 2);

    g_assert_cmpuint (g_variant_n_children (children), ==, 5);
  }

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    {
      g_autoptr (GVariant) props = menu_entry (layout, i);

      if (labels[i] == NULL)
        {
          g_assert_true (g_variant_lookup (props, "type", "&s", &string));
          g_assert_cmpstr (string, ==, "separator");
          continue;
        }

      g_assert_true (g_variant_lookup (props, "label", "&s", &string));
      g_assert_cmpstr (string, ==, labels[i]);
      g_assert_true (g_variant_lookup (props, "enabled", "b", &need_update));
      g_assert_true (need_update);
    }

  /* Do Not Disturb is a check item that follows the setting. */
  {
    g_autoptr (GVariant) props = menu_entry (layout, 2);

    g_assert_true (g_variant_lookup (props, "toggle-type", "&s", &string));
    g_assert_cmpstr (string, ==, "checkmark");
    g_assert_true (g_variant_lookup (props, "toggle-state", "i", &toggle_state));
    g_assert_cmpint (toggle_state, ==, 0);
  }

  /* Quick Reply opens quick reply. */
  close_windows ();
  menu_click (1);
  g_assert_true (sam_test_ui_wait_for (window_is_mapped,
                                       GSIZE_TO_POINTER (SAM_TYPE_QUICK_REPLY_WINDOW), 2000));
  close_windows ();

  /* Open Samantha opens the main window. */
  menu_click (2);
  g_assert_true (sam_test_ui_wait_for (window_is_mapped, GSIZE_TO_POINTER (SAM_TYPE_WINDOW), 2000));
  close_windows ();

  /* Do Not Disturb toggles the setting, and the menu tells the host. */
  g_ptr_array_set_size (desktop->signals, 0);
  menu_click (3);
  g_assert_true (g_settings_get_boolean (settings, "do-not-disturb"));
  g_assert_true (sam_test_ui_wait_for (signal_seen, "ItemsPropertiesUpdated ([(3,", 2000));
  g_assert_true (sam_test_ui_wait_for (signal_seen, "NewToolTip", 2000));
  reply = app_call (SAM_TRAY_MENU_PATH, MENU_IFACE, "GetProperty",
                    g_variant_new ("(is)", 3, "toggle-state"));
  g_variant_get (reply, "(v)", &value);
  g_assert_cmpint (g_variant_get_int32 (value), ==, 1);
  g_clear_pointer (&reply, g_variant_unref);
  g_clear_pointer (&value, g_variant_unref);
  value = item_property ("ToolTip");
  g_variant_get (value, "(s@a(iiay)s&s)", NULL, NULL, NULL, &string);
  g_assert_cmpstr (string, ==, "Do not disturb is on");
  g_clear_pointer (&value, g_variant_unref);

  menu_click (3);
  g_assert_false (g_settings_get_boolean (settings, "do-not-disturb"));

  /* The rest of the protocol. */
  reply = app_call (SAM_TRAY_MENU_PATH, MENU_IFACE, "GetGroupProperties",
                    g_variant_new ("(@ai^as)", int_array (1, 5), label_name));
  assert_variant (reply, "([(1, {'label': <'_Quick Reply'>}), (5, {'label': <'_Quit'>})],)");
  g_clear_pointer (&reply, g_variant_unref);

  reply = app_call (SAM_TRAY_MENU_PATH, MENU_IFACE, "AboutToShow", g_variant_new ("(i)", 0));
  g_variant_get (reply, "(b)", &need_update);
  g_assert_false (need_update);
  g_clear_pointer (&reply, g_variant_unref);

  reply = app_call (SAM_TRAY_MENU_PATH, MENU_IFACE, "AboutToShowGroup",
                    g_variant_new ("(@ai)", int_array (0, 42)));
  assert_variant (reply, "([], [42])");
  g_clear_pointer (&reply, g_variant_unref);

  reply = app_call (SAM_TRAY_MENU_PATH, "org.freedesktop.DBus.Properties", "Get",
                    g_variant_new ("(ss)", MENU_IFACE, "Version"));
  g_variant_get (reply, "(v)", &value);
  g_assert_cmpuint (g_variant_get_uint32 (value), ==, 3);
  g_clear_pointer (&reply, g_variant_unref);

  reply = sam_test_watcher_call (
      desktop, app_name (), SAM_TRAY_MENU_PATH, MENU_IFACE, "Event",
      g_variant_new ("(isvu)", 42, "clicked", g_variant_new_int32 (0), 0), &error);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
  g_assert_null (reply);
}

static void
test_tray_watcher_restarts (void)
{
  guint before = desktop->registrations;

  /* The watcher goes away (the shell extension is turned off): nothing to hide into. */
  sam_test_watcher_vanish (desktop);
  g_assert_true (sam_test_ui_wait_for (tray_is_available, GINT_TO_POINTER (FALSE), 5000));
  g_assert_false (sam_application_desktop_get_held (app_desktop ()));

  /* It comes back, knowing no items: the tray registers again. */
  sam_test_watcher_appear (desktop);
  g_assert_true (sam_test_ui_wait_for (registrations_reach, GUINT_TO_POINTER (before + 1), 5000));
  g_assert_true (sam_test_ui_wait_for (tray_is_available, GINT_TO_POINTER (TRUE), 5000));
  g_assert_cmpstr (desktop->sender, ==, app_name ());
  g_assert_true (sam_application_desktop_get_held (app_desktop ()));
}

static void
test_tray_no_host (void)
{
  g_autoptr (GError) error = NULL;
  guint before;

  /* A watcher without a host shows nothing. */
  sam_test_watcher_vanish (desktop);
  g_assert_true (sam_test_ui_wait_for (tray_is_available, GINT_TO_POINTER (FALSE), 5000));
  desktop->host_registered = FALSE;
  before = desktop->registrations;
  sam_test_watcher_appear (desktop);
  g_assert_true (sam_test_ui_wait_for (registrations_reach, GUINT_TO_POINTER (before + 1), 5000));
  sam_test_ui_iterate (100);
  g_assert_false (sam_tray_get_available (app_tray ()));
  g_assert_false (sam_application_desktop_get_held (app_desktop ()));

  /* Until a host registers. */
  desktop->host_registered = TRUE;
  g_dbus_connection_emit_signal (desktop->connection, NULL, WATCHER_PATH,
                                 "org.kde.StatusNotifierWatcher", "StatusNotifierHostRegistered",
                                 NULL, &error);
  g_assert_no_error (error);
  g_assert_true (sam_test_ui_wait_for (tray_is_available, GINT_TO_POINTER (TRUE), 5000));
  g_assert_true (sam_application_desktop_get_held (app_desktop ()));
}

static void
test_tray_hidden (void)
{
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  g_autoptr (GVariant) value = NULL;

  /* Turned off in the preferences: Passive, which hosts do not show, and no holding on. */
  g_ptr_array_set_size (desktop->signals, 0);
  g_settings_set_boolean (settings, "show-in-tray", FALSE);
  g_assert_true (sam_test_ui_wait_for (signal_seen, "NewStatus ('Passive',)", 2000));
  value = item_property ("Status");
  g_assert_cmpstr (g_variant_get_string (value, NULL), ==, "Passive");
  g_clear_pointer (&value, g_variant_unref);
  g_assert_false (sam_tray_get_available (app_tray ()));
  g_assert_false (sam_application_desktop_get_held (app_desktop ()));

  /* Running in the background is a choice of its own. */
  g_settings_set_boolean (settings, "run-in-background", TRUE);
  g_assert_true (sam_application_desktop_get_held (app_desktop ()));
  g_settings_set_boolean (settings, "run-in-background", FALSE);
  g_assert_false (sam_application_desktop_get_held (app_desktop ()));

  g_settings_set_boolean (settings, "show-in-tray", TRUE);
  g_assert_true (sam_test_ui_wait_for (tray_is_available, GINT_TO_POINTER (TRUE), 5000));
  value = item_property ("Status");
  g_assert_cmpstr (g_variant_get_string (value, NULL), ==, "Active");
  g_assert_true (sam_application_desktop_get_held (app_desktop ()));
}

int
main (int argc, char *argv[])
{
  int ret;

  sam_test_init_environment ();
  gtk_test_init (&argc, &argv, NULL);

  desktop = sam_test_watcher_new ();

  /* First, while this process has not taken the app's name: the real binary. */
  g_test_add_func ("/tray/process-quit", test_tray_process_quit);
  g_test_add_func ("/tray/no-watcher", test_tray_no_watcher);
  g_test_add_func ("/tray/register", test_tray_register);
  g_test_add_func ("/tray/properties", test_tray_properties);
  g_test_add_func ("/tray/activate", test_tray_activate);
  g_test_add_func ("/tray/menu", test_tray_menu);
  g_test_add_func ("/tray/watcher-restarts", test_tray_watcher_restarts);
  g_test_add_func ("/tray/no-host", test_tray_no_host);
  g_test_add_func ("/tray/hidden", test_tray_hidden);

  ret = g_test_run ();

  if (app != NULL)
    close_windows ();
  g_clear_object (&app);
  g_clear_pointer (&desktop, sam_test_watcher_free);
  return ret;
}
