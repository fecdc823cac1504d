/* state: named blocks of bytes, the form in which a module hands its state
 * to be checkpointed.
 *
 * Owns: nothing but the struct. Whoever owns a state (the trainer: model
 * parameters, optimizer buffers, every generator, the schedule; the runner:
 * its sample generator) lists it as blocks that point into its own memory;
 * results stores them as opaque byte arrays, verifies them with a checksum,
 * and copies them back in place. Block sizes are fixed by the config, so a
 * block of another size in a checkpoint is damage, never a version skew to
 * be patched up.
 */
#ifndef RNNLAB_STATE_H
#define RNNLAB_STATE_H

#include <stddef.h>

struct state_block {
    char name[32];  /* unique within a checkpoint */
    void *data;     /* the owner's memory: written from, restored into */
    size_t bytes;
};

#endif
