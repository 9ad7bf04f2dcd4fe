/* sam-test-watcher.c — a mock StatusNotifierWatcher: the desktop side of tray tests.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The watcher lives on a connection of its own to the test's bus, as a desktop would. The tray
 * item may be served from this thread's main context, so every call from the desktop side is
 * asynchronous with the main context iterated; a _sync call would deadlock. */

#include "config.h"

#include "sam-test-ui.h"
#include "sam-test-watcher.h"

#define WATCHER_NAME "org.kde.StatusNotifierWatcher"
#define WATCHER_PATH "/StatusNotifierWatcher"

static const char watcher_xml[] =
    "<node>"
    "  <interface name='org.kde.StatusNotifierWatcher'>"
    "    <method name='RegisterStatusNotifierItem'>"
    "      <arg name='service' type='s' direction='in'/>"
    "    </method>"
    "    <method name='RegisterStatusNotifierHost'>"
    "      <arg name='service' type='s' direction='in'/>"
    "    </method>"
    "    <property name='RegisteredStatusNotifierItems' type='as' access='read'/>"
    "    <property name='IsStatusNotifierHostRegistered' type='b' access='read'/>"
    "    <property name='ProtocolVersion' type='i' access='read'/>"
    "    <signal name='StatusNotifierItemRegistered'><arg type='s'/></signal>"
    "    <signal name='StatusNotifierItemUnregistered'><arg type='s'/></signal>"
    "    <signal name='StatusNotifierHostRegistered'/>"
    "    <signal name='StatusNotifierHostUnregistered'/>"
    "  </interface>"
    "</node>";

static void
watcher_method_call (GDBusConnection       *connection,
                     const char            *sender,
                     const char            *object_path,
                     const char            *interface_name,
                     const char            *method_name,
                     GVariant              *parameters,
                     GDBusMethodInvocation *invocation,
                     gpointer               user_data)
{
  SamTestWatcher *self = user_data;

  /* Like the GNOME Shell extension: a path is paired with the caller's unique name. */
  if (g_str_equal (method_name, "RegisterStatusNotifierItem"))
    {
      g_free (self->sender);
      g_free (self->service);
      self->sender = g_strdup (sender);
      g_variant_get (parameters, "(s)", &self->service);
      self->registrations++;
    }

  g_dbus_method_invocation_return_value (invocation, NULL);
}

static GVariant *
watcher_get_property (GDBusConnection *connection,
                      const char      *sender,
                      const char      *object_path,
                      const char      *interface_name,
                      const char      *property_name,
                      GError         **error,
                      gpointer         user_data)
{
  SamTestWatcher *self = user_data;

  if (g_str_equal (property_name, "IsStatusNotifierHostRegistered"))
    {
      self->host_queries++;
      return g_variant_new_boolean (self->host_registered);
    }
  if (g_str_equal (property_name, "ProtocolVersion"))
    return g_variant_new_int32 (0);
  return g_variant_new_strv (NULL, 0);
}

static const GDBusInterfaceVTable watcher_vtable = {
  watcher_method_call,
  watcher_get_property,
  NULL,
};

static void
name_acquired_cb (GDBusConnection *connection, const char *name, gpointer user_data)
{
  ((SamTestWatcher *) user_data)->owned = TRUE;
}

static void
name_lost_cb (GDBusConnection *connection, const char *name, gpointer user_data)
{
  ((SamTestWatcher *) user_data)->owned = FALSE;
}

static void
signal_cb (GDBusConnection *connection,
           const char      *sender_name,
           const char      *object_path,
           const char      *interface_name,
           const char      *signal_name,
           GVariant        *parameters,
           gpointer         user_data)
{
  SamTestWatcher  *self = user_data;
  g_autofree char *printed = g_variant_print (parameters, FALSE);

  g_ptr_array_add (self->signals, g_strdup_printf ("%s %s", signal_name, printed));
}

/* A desktop on the session bus, with the watcher exported but its name not yet owned. */
SamTestWatcher *
sam_test_watcher_new (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *address = NULL;
  SamTestWatcher  *self = g_new0 (SamTestWatcher, 1);

  address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  self->connection =
      g_dbus_connection_new_for_address_sync (address,
                                              G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                  G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                              NULL, NULL, &error);
  g_assert_no_error (error);

  self->node_info = g_dbus_node_info_new_for_xml (watcher_xml, &error);
  g_assert_no_error (error);
  self->object_id = g_dbus_connection_register_object (self->connection, WATCHER_PATH,
                                                       self->node_info->interfaces[0],
                                                       &watcher_vtable, self, NULL, &error);
  g_assert_no_error (error);

  self->host_registered = TRUE;
  self->signals = g_ptr_array_new_with_free_func (g_free);
  self->subscription_id =
      g_dbus_connection_signal_subscribe (self->connection, NULL, NULL, NULL, NULL, NULL,
                                          G_DBUS_SIGNAL_FLAGS_NONE, signal_cb, self, NULL);

  return self;
}

void
sam_test_watcher_free (SamTestWatcher *self)
{
  sam_test_watcher_vanish (self);
  g_dbus_connection_signal_unsubscribe (self->connection, self->subscription_id);
  g_dbus_connection_unregister_object (self->connection, self->object_id);
  g_dbus_connection_close_sync (self->connection, NULL, NULL);
  g_clear_object (&self->connection);
  g_clear_pointer (&self->node_info, g_dbus_node_info_unref);
  g_clear_pointer (&self->signals, g_ptr_array_unref);
  g_free (self->sender);
  g_free (self->service);
  g_free (self);
}

static gboolean
watcher_is_owned (gpointer data)
{
  return ((SamTestWatcher *) data)->owned;
}

/* The watcher appears on the bus (a tray host starts). */
void
sam_test_watcher_appear (SamTestWatcher *self)
{
  g_assert_cmpuint (self->owner_id, ==, 0);
  self->owner_id =
      g_bus_own_name_on_connection (self->connection, WATCHER_NAME, G_BUS_NAME_OWNER_FLAGS_NONE,
                                    name_acquired_cb, name_lost_cb, self, NULL);
  g_assert_true (sam_test_ui_wait_for (watcher_is_owned, self, 5000));
}

/* The watcher goes away (the shell extension is turned off). */
void
sam_test_watcher_vanish (SamTestWatcher *self)
{
  g_clear_handle_id (&self->owner_id, g_bus_unown_name);
  self->owned = FALSE;
}

gboolean
sam_test_watcher_saw_signal (SamTestWatcher *self, const char *prefix)
{
  for (guint i = 0; i < self->signals->len; i++)
    {
      if (g_str_has_prefix (g_ptr_array_index (self->signals, i), prefix))
        return TRUE;
    }

  return FALSE;
}

static void
call_done_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  SamTestCall *call = user_data;

  call->reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &call->error);
  call->done = TRUE;
}

void
sam_test_watcher_call_start (SamTestWatcher *self,
                             const char     *dest,
                             const char     *path,
                             const char     *iface,
                             const char     *method,
                             GVariant       *parameters,
                             SamTestCall    *call)
{
  *call = (SamTestCall){ 0 };
  g_dbus_connection_call (self->connection, dest, path, iface, method, parameters, NULL,
                          G_DBUS_CALL_FLAGS_NONE, 20000, NULL, call_done_cb, call);
}

/* Iterates the main context until @call has its reply. */
GVariant *
sam_test_call_wait (SamTestCall *call, GError **error)
{
  while (!call->done)
    g_main_context_iteration (NULL, TRUE);

  if (call->error != NULL)
    {
      g_propagate_error (error, call->error);
      call->error = NULL;
    }

  return g_steal_pointer (&call->reply);
}

GVariant *
sam_test_watcher_call (SamTestWatcher *self,
                       const char     *dest,
                       const char     *path,
                       const char     *iface,
                       const char     *method,
                       GVariant       *parameters,
                       GError        **error)
{
  SamTestCall call;

  sam_test_watcher_call_start (self, dest, path, iface, method, parameters, &call);
  return sam_test_call_wait (&call, error);
}
