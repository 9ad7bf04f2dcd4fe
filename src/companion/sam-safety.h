/* sam-safety.h — the local crisis detector that checks every user message before it is sent.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "sam-safety-model.h"

G_BEGIN_DECLS

/* What a message shows, most severe last but one: a plan is the most urgent. */
typedef enum
{
  SAM_SAFETY_KIND_NONE = 0,
  SAM_SAFETY_KIND_IDEATION,
  SAM_SAFETY_KIND_SELF_HARM,
  SAM_SAFETY_KIND_FAREWELL,
  SAM_SAFETY_KIND_PLAN,
} SamSafetyKind;

#define SAM_SAFETY_N_KINDS (SAM_SAFETY_KIND_PLAN + 1)

/* A combined score at or above this makes a message a crisis. */
#define SAM_SAFETY_THRESHOLD 0.6

/* The rule id of a verdict reached by the learned second stage (sam-safety-model.h). */
#define SAM_SAFETY_MODEL_RULE_ID "model/crisis"

/* The rule id of a verdict where the learned stage overruled a weaker rule: not a crisis. */
#define SAM_SAFETY_MODEL_VETO_ID "model/ordinary"

/* The verdict on one message. It never holds any of the message's text: the strings belong to
 * the detector and live as long as it does. */
typedef struct
{
  SamSafetyKind kind;
  const char   *language;   /* "en", "de", …: the matched rule's language, or a guess */
  double        confidence; /* 0 … 1 */
  const char   *rule_id;    /* e.g. "en/explicit.kill-myself", NULL when nothing matched */
} SamSafetyResult;

#define SAM_TYPE_SAFETY_DETECTOR (sam_safety_detector_get_type ())

G_DECLARE_FINAL_TYPE (SamSafetyDetector, sam_safety_detector, SAM, SAFETY_DETECTOR, GObject)

SamSafetyDetector *sam_safety_detector_new (void);
SamSafetyDetector *sam_safety_detector_new_builtin (GError **error);
SamSafetyDetector *sam_safety_detector_get_default (void);
gboolean sam_safety_detector_load_language (SamSafetyDetector *self, GBytes *json, GError **error);
gboolean sam_safety_detector_finish_loading (SamSafetyDetector *self, GError **error);
const char *const *sam_safety_detector_get_languages (SamSafetyDetector *self);
guint              sam_safety_detector_get_n_rules (SamSafetyDetector *self);

GPtrArray *
sam_safety_detector_get_concepts (SamSafetyDetector *self, GPtrArray *words, GPtrArray **names);
SamSafetyModel *sam_safety_detector_get_model (SamSafetyDetector *self);

SamSafetyResult sam_safety_check (SamSafetyDetector *detector, const char *text);
gboolean        sam_safety_result_is_crisis (const SamSafetyResult *result);

const char   *sam_safety_kind_to_string (SamSafetyKind kind);
SamSafetyKind sam_safety_kind_from_string (const char *name);

char *sam_safety_normalize (SamSafetyDetector *self, const char *text);

G_END_DECLS
