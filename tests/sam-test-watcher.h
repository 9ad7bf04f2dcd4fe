/* sam-test-watcher.h — a mock StatusNotifierWatcher: the desktop side of tray tests.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  GDBusConnection *connection;
  GDBusNodeInfo   *node_info;
  guint            object_id;
  guint            owner_id;
  guint            subscription_id;
  gboolean         owned;
  gboolean         host_registered;
  guint            registrations;
  guint            host_queries;
  char            *sender;
  char            *service;
  GPtrArray       *signals;
} SamTestWatcher;

typedef struct
{
  gboolean  done;
  GVariant *reply;
  GError   *error;
} SamTestCall;

SamTestWatcher *sam_test_watcher_new (void);
void            sam_test_watcher_free (SamTestWatcher *self);
void            sam_test_watcher_appear (SamTestWatcher *self);
void            sam_test_watcher_vanish (SamTestWatcher *self);
gboolean        sam_test_watcher_saw_signal (SamTestWatcher *self, const char *prefix);
void            sam_test_watcher_call_start (SamTestWatcher *self,
                                             const char     *dest,
                                             const char     *path,
                                             const char     *iface,
                                             const char     *method,
                                             GVariant       *parameters,
                                             SamTestCall    *call);
GVariant       *sam_test_call_wait (SamTestCall *call, GError **error);
GVariant       *sam_test_watcher_call (SamTestWatcher *self,
                                       const char     *dest,
                                       const char     *path,
                                       const char     *iface,
                                       const char     *method,
                                       GVariant       *parameters,
                                       GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SamTestWatcher, sam_test_watcher_free)

G_END_DECLS
