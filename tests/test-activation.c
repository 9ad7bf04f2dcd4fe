/* test-activation.c — Samantha started by D-Bus activation and driven only from outside.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* This test starts its own session bus with a service directory holding Samantha's built
 * service file, so asking for io.github.samanthaos.Samantha starts the real binary the way a
 * notification click or the desktop file's Quick Reply action would. A mock tray watcher plays
 * the desktop; the test sees the app's windows through X11 only. Nothing runs in-process. */

#include "config.h"

#include <X11/Xatom.h>
#include <X11/Xlib.h>
#include <gio/gunixinputstream.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>

#include "sam-test-ui.h"
#include "sam-test-util.h"
#include "sam-test-watcher.h"

#define APP_PATH "/io/github/samanthaos/Samantha"

static char           *bus_dir;
static GSubprocess    *bus_daemon;
static Display        *display;
static SamTestWatcher *desktop;

/* A session bus that can start Samantha. */

static void
write_service_file (const char *services_dir)
{
  g_autoptr (GKeyFile) built = g_key_file_new ();
  g_autoptr (GKeyFile) ours = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *built_path = NULL;
  g_autofree char *our_path = NULL;
  g_autofree char *name = NULL;
  g_autofree char *exec = NULL;
  g_autofree char *program = NULL;
  g_auto (GStrv) argv = NULL;
  g_autoptr (GString) command = NULL;

  /* The service file as built and installed, only pointing at the binary in the build tree. */
  built_path = g_build_filename (g_getenv ("SAMANTHA_BUILDDIR"), "data", APP_ID ".service", NULL);
  g_key_file_load_from_file (built, built_path, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  name = g_key_file_get_string (built, "D-BUS Service", "Name", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (name, ==, APP_ID);
  exec = g_key_file_get_string (built, "D-BUS Service", "Exec", &error);
  g_assert_no_error (error);
  g_shell_parse_argv (exec, NULL, &argv, &error);
  g_assert_no_error (error);
  program = g_path_get_basename (argv[0]);
  g_assert_cmpstr (program, ==, "samantha");

  command = g_string_new (g_getenv ("SAMANTHA_EXE"));
  for (guint i = 1; argv[i] != NULL; i++)
    g_string_append_printf (command, " %s", argv[i]);

  g_key_file_set_string (ours, "D-BUS Service", "Name", name);
  g_key_file_set_string (ours, "D-BUS Service", "Exec", command->str);
  our_path = g_build_filename (services_dir, APP_ID ".service", NULL);
  g_key_file_save_to_file (ours, our_path, &error);
  g_assert_no_error (error);
}

static void
die_with_parent (gpointer data)
{
  /* Should the test fail, the bus (and so the app) must not outlive it. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
start_bus (void)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GInputStream) in = NULL;
  g_autoptr (GDataInputStream) out = NULL;
  int              address_pipe[2];
  g_autofree char *services_dir = NULL;
  g_autofree char *config = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *address = NULL;
  g_autofree char *printed = NULL;

  bus_dir = g_dir_make_tmp ("samantha-bus-XXXXXX", &error);
  g_assert_no_error (error);
  services_dir = g_build_filename (bus_dir, "services", NULL);
  g_mkdir (services_dir, 0700);
  write_service_file (services_dir);

  config = g_strdup_printf (
      "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
      " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
      "<busconfig>\n"
      "  <type>session</type>\n"
      "  <listen>unix:path=%s/bus</listen>\n"
      "  <servicedir>%s</servicedir>\n"
      "  <auth>EXTERNAL</auth>\n"
      "  <policy context=\"default\">\n"
      "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
      "    <allow eavesdrop=\"true\"/>\n"
      "    <allow own=\"*\"/>\n"
      "  </policy>\n"
      "</busconfig>\n",
      bus_dir, services_dir);
  config_path = g_build_filename (bus_dir, "session.conf", NULL);
  g_file_set_contents (config_path, config, -1, &error);
  g_assert_no_error (error);

  /* Known before the daemon starts, so the services it starts inherit it. */
  address = g_strdup_printf ("unix:path=%s/bus", bus_dir);
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", address, TRUE);

  /* The daemon prints its address on a pipe of its own once it listens. Its stdout, which the
   * services it starts inherit, goes nowhere: a pipe nobody reads would block them or, once
   * closed, kill them. */
  g_unix_open_pipe (address_pipe, FD_CLOEXEC, &error);
  g_assert_no_error (error);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_stdout_file_path (launcher, "/dev/null");
  g_subprocess_launcher_take_fd (launcher, address_pipe[1], 3);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  bus_daemon =
      g_subprocess_launcher_spawn (launcher, &error, "dbus-daemon", "--nofork", "--print-address=3",
                                   "--config-file", config_path, NULL);
  g_assert_no_error (error);
  g_clear_object (&launcher);

  in = g_unix_input_stream_new (address_pipe[0], TRUE);
  out = g_data_input_stream_new (in);
  printed = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (printed, address));
}

/* Seeing windows as the X server does. */

static int
ignore_x_errors (Display *d, XErrorEvent *event)
{
  /* A window may go away between listing it and asking about it. */
  return 0;
}

static char *
x_window_title (Window window)
{
  Atom           net_wm_name = XInternAtom (display, "_NET_WM_NAME", False);
  Atom           utf8_string = XInternAtom (display, "UTF8_STRING", False);
  Atom           type;
  int            format;
  unsigned long  n_items;
  unsigned long  bytes_after;
  unsigned char *data = NULL;
  char          *title = NULL;

  if (XGetWindowProperty (display, window, net_wm_name, 0, 1024, False, utf8_string, &type, &format,
                          &n_items, &bytes_after, &data) == Success &&
      data != NULL)
    {
      title = g_strndup ((const char *) data, n_items);
      XFree (data);
    }

  return title;
}

/* The top-level window titled @title that is on screen, or None. */
static Window
x_find_viewable (const char *title)
{
  Window       root = DefaultRootWindow (display);
  Window       parent;
  Window      *children = NULL;
  Window       found = None;
  unsigned int n_children = 0;

  XSync (display, False);
  if (!XQueryTree (display, root, &root, &parent, &children, &n_children))
    return None;

  for (unsigned int i = 0; i < n_children && found == None; i++)
    {
      XWindowAttributes attributes;
      g_autofree char  *window_title = NULL;

      if (!XGetWindowAttributes (display, children[i], &attributes) ||
          attributes.map_state != IsViewable)
        continue;

      window_title = x_window_title (children[i]);
      if (g_strcmp0 (window_title, title) == 0)
        found = children[i];
    }

  if (children != NULL)
    XFree (children);

  return found;
}

static gboolean
quick_reply_shown (gpointer data)
{
  return x_find_viewable ("Quick Reply") != None;
}

static gboolean
quick_reply_hidden (gpointer data)
{
  return x_find_viewable ("Quick Reply") == None;
}

/* What a window manager sends when the user clicks the close button. */
static void
x_close (Window window)
{
  XEvent event = { 0 };

  event.xclient.type = ClientMessage;
  event.xclient.window = window;
  event.xclient.message_type = XInternAtom (display, "WM_PROTOCOLS", False);
  event.xclient.format = 32;
  event.xclient.data.l[0] = (long) XInternAtom (display, "WM_DELETE_WINDOW", False);
  event.xclient.data.l[1] = CurrentTime;
  XSendEvent (display, window, False, NoEventMask, &event);
  XFlush (display);
}

/* The bus. */

static gboolean
registered (gpointer data)
{
  return desktop->registrations >= 1 && desktop->host_queries >= 1;
}

static gboolean
app_name_has_owner (void)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;
  gboolean has_owner = FALSE;

  reply = sam_test_watcher_call (desktop, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                 "org.freedesktop.DBus", "NameHasOwner",
                                 g_variant_new ("(s)", APP_ID), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(b)", &has_owner);
  return has_owner;
}

static gboolean
app_is_gone (gpointer data)
{
  return !app_name_has_owner ();
}

static char *
process_command_line (const char *bus_name, guint32 *pid)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  gsize            length = 0;

  reply = sam_test_watcher_call (desktop, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                 "org.freedesktop.DBus", "GetConnectionUnixProcessID",
                                 g_variant_new ("(s)", bus_name), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", pid);

  path = g_strdup_printf ("/proc/%u/cmdline", *pid);
  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);

  /* The arguments are separated by NUL bytes. */
  for (gsize i = 0; i + 1 < length; i++)
    {
      if (contents[i] == '\0')
        contents[i] = ' ';
    }

  return g_steal_pointer (&contents);
}

static void
test_activation_from_outside (void)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *command_line = NULL;
  g_autofree char *sender = NULL;
  SamTestCall      call;
  GVariantBuilder  no_parameters;
  Window           window;
  guint32          pid = 0;
  gint64           start;
  double           cold_ms;
  double           activate_ms;

  sam_test_watcher_appear (desktop);
  g_assert_false (app_name_has_owner ());

  /* The desktop file's Quick Reply action, with Samantha not running: the bus starts it. */
  g_variant_builder_init (&no_parameters, G_VARIANT_TYPE ("av"));
  start = g_get_monotonic_time ();
  sam_test_watcher_call_start (
      desktop, APP_ID, APP_PATH, "org.freedesktop.Application", "ActivateAction",
      g_variant_new ("(sava{sv})", "quick-reply", &no_parameters, NULL), &call);
  reply = sam_test_call_wait (&call, &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  g_assert_true (sam_test_ui_wait_for (quick_reply_shown, NULL, 10000));
  cold_ms = (g_get_monotonic_time () - start) / 1000.0;
  g_test_message ("D-Bus activation from cold → quick-reply window on screen: %.0f ms", cold_ms);

  /* It was started as a service, and its tray item registered with the desktop and asked
   * whether a host shows it; give it a moment to take in the answer. */
  g_assert_true (sam_test_ui_wait_for (registered, NULL, 5000));
  sam_test_ui_iterate (200);
  sender = g_strdup (desktop->sender);
  command_line = process_command_line (sender, &pid);
  g_assert_nonnull (strstr (command_line, "samantha --gapplication-service"));
  g_assert_true (x_find_viewable ("Samantha") == None);

  /* The user closes quick reply; with the tray shown, Samantha stays. */
  window = x_find_viewable ("Quick Reply");
  x_close (window);
  g_assert_true (sam_test_ui_wait_for (quick_reply_hidden, NULL, 5000));
  sam_test_ui_iterate (300);
  g_assert_true (app_name_has_owner ());

  /* A left click on the icon brings it back: the acceptance figure, across processes. */
  start = g_get_monotonic_time ();
  sam_test_watcher_call_start (desktop, sender, "/StatusNotifierItem", "org.kde.StatusNotifierItem",
                               "Activate", g_variant_new ("(ii)", 0, 0), &call);
  g_assert_true (sam_test_ui_wait_for (quick_reply_shown, NULL, 5000));
  activate_ms = (g_get_monotonic_time () - start) / 1000.0;
  reply = sam_test_call_wait (&call, &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  g_test_message ("Activate on the tray item → quick-reply window on screen: %.1f ms", activate_ms);
  g_assert_cmpfloat (activate_ms, <, 200.0);

  /* Quit in the tray menu ends the process. */
  reply = sam_test_watcher_call (desktop, sender, "/MenuBar", "com.canonical.dbusmenu", "Event",
                                 g_variant_new ("(isvu)", 5, "clicked", g_variant_new_int32 (0), 0),
                                 &error);
  g_assert_no_error (error);
  g_assert_true (sam_test_ui_wait_for (app_is_gone, NULL, 5000));
  g_assert_true (sam_test_ui_wait_for (quick_reply_hidden, NULL, 5000));
}

int
main (int argc, char *argv[])
{
  int ret;

  sam_test_init_environment ();
  g_test_init (&argc, &argv, NULL);

  display = XOpenDisplay (NULL);
  g_assert_nonnull (display);
  XSetErrorHandler (ignore_x_errors);

  start_bus ();
  desktop = sam_test_watcher_new ();

  g_test_add_func ("/activation/from-outside", test_activation_from_outside);

  ret = g_test_run ();

  g_clear_pointer (&desktop, sam_test_watcher_free);
  g_subprocess_force_exit (bus_daemon);
  g_clear_object (&bus_daemon);
  XCloseDisplay (display);
  if (bus_dir != NULL)
    {
      g_autofree char *command = g_strdup_printf ("rm -rf '%s'", bus_dir);

      if (system (command) != 0)
        g_printerr ("could not remove %s\n", bus_dir);
    }
  g_free (bus_dir);
  return ret;
}
