/* sam-safety-model.h — the crisis detector's second stage: a linear model over hashed features.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _SamSafetyModel SamSafetyModel;

/* Finds the concepts of a message's sentences: WORDS holds each sentence's normalised words,
 * each sentence followed by NULL (sam_safety_model_split_words()); the function appends to
 * CONCEPTS one GArray of guint32 feature hashes per sentence. */
typedef void (*SamSafetyConceptFunc) (GPtrArray *words, GPtrArray *concepts, gpointer user_data);

SamSafetyModel *sam_safety_model_new_from_bytes (GBytes *bytes, GError **error);
SamSafetyModel *sam_safety_model_new_builtin (GError **error);
void            sam_safety_model_free (SamSafetyModel *self);
double          sam_safety_model_get_threshold (SamSafetyModel *self);
void            sam_safety_model_set_concept_func (SamSafetyModel      *self,
                                                   SamSafetyConceptFunc func,
                                                   gpointer             user_data);
GPtrArray      *sam_safety_model_split_words (const char *text);
double          sam_safety_model_probability (SamSafetyModel *self, const char *text);
void            sam_safety_model_get_probabilities (SamSafetyModel *self,
                                                    const char     *text,
                                                    double         *whole,
                                                    double         *sentence);
gboolean sam_safety_model_is_crisis (SamSafetyModel *self, const char *text, double *probability);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SamSafetyModel, sam_safety_model_free)

G_END_DECLS
