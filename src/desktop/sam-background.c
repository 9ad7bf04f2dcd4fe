/* sam-background.c — running in the background and at login: the portal or an autostart file.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* In a Flatpak sandbox the Background portal decides whether Samantha may keep running without
 * a window and whether it starts at login (the same call Epiphany makes). Outside a sandbox
 * nothing needs asking, and starting at login is a desktop file in the user's autostart
 * folder. Both start Samantha as a D-Bus service, with no window. */

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libportal-gtk4/portal-gtk4.h>

#include "sam-background.h"

gboolean
sam_background_is_sandboxed (void)
{
  return xdp_portal_running_under_flatpak ();
}

/* $XDG_CONFIG_HOME/autostart/APP_ID.desktop, the file that starts Samantha at login. */
char *
sam_background_get_autostart_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "autostart", APP_ID ".desktop", NULL);
}

static gboolean
sam_background_write_autostart (gboolean enabled, GError **error)
{
  g_autofree char *path = sam_background_get_autostart_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GKeyFile) key_file = NULL;
  g_autoptr (GError) local_error = NULL;

  if (!enabled)
    {
      if (g_unlink (path) != 0 && errno != ENOENT)
        {
          int saved_errno = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       _ ("Could not remove %s: %s"), path, g_strerror (saved_errno));
          return FALSE;
        }
      return TRUE;
    }

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _ ("Could not create the folder %s: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }

  key_file = g_key_file_new ();
  g_key_file_set_string (key_file, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_TYPE,
                         G_KEY_FILE_DESKTOP_TYPE_APPLICATION);
  g_key_file_set_string (key_file, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_NAME,
                         "Samantha");
  g_key_file_set_string (key_file, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_ICON, APP_ID);
  g_key_file_set_string (key_file, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_EXEC,
                         "samantha --gapplication-service");
  g_key_file_set_boolean (key_file, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_NO_DISPLAY,
                          TRUE);
  g_key_file_set_boolean (key_file, G_KEY_FILE_DESKTOP_GROUP, "X-GNOME-Autostart-enabled", TRUE);

  if (!g_key_file_save_to_file (key_file, path, &local_error))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _ ("Could not write %s: %s"), path,
                   local_error->message);
      return FALSE;
    }

  return TRUE;
}

static void
request_background_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;

  if (!xdp_portal_request_background_finish (XDP_PORTAL (object), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        {
          g_debug ("Background portal: %s", error->message);
          g_task_return_new_error (
              task, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "%s",
              _ ("Samantha may not run in the background. You can allow it in the app settings "
                 "of your system."));
        }
      return;
    }

  g_task_return_boolean (task, TRUE);
}

/**
 * sam_background_request_async:
 * @parent: (nullable): the window the request is about, for the portal's dialog
 * @autostart: whether Samantha should also start at login
 *
 * Asks to keep running without a window and sets whether Samantha starts at login. Sandboxed,
 * this goes through the Background portal, which may ask the user; otherwise it writes or
 * removes the autostart file.
 */
void
sam_background_request_async (GtkWindow          *parent,
                              gboolean            autostart,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;

  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, sam_background_request_async);

  if (sam_background_is_sandboxed ())
    {
      g_autoptr (XdpPortal) portal = xdp_portal_new ();
      g_autoptr (XdpParent) xdp_parent = parent ? xdp_parent_new_gtk (parent) : NULL;
      /* libportal takes its own reference; the array is not NULL-terminated. */
      g_autoptr (GPtrArray) commandline = g_ptr_array_new ();

      g_ptr_array_add (commandline, (char *) "samantha");
      g_ptr_array_add (commandline, (char *) "--gapplication-service");

      g_task_set_task_data (task, g_object_ref (portal), g_object_unref);
      xdp_portal_request_background (
          portal, xdp_parent,
          (char *) _ ("Samantha keeps running to answer from the tray and notify you"), commandline,
          autostart ? XDP_BACKGROUND_FLAG_AUTOSTART : XDP_BACKGROUND_FLAG_NONE, cancellable,
          request_background_cb, g_steal_pointer (&task));
      return;
    }

  if (!sam_background_write_autostart (autostart, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

gboolean
sam_background_request_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sam_background_request_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
