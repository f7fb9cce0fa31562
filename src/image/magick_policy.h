/*
 * magick_policy: the fence around ImageMagick, which imgbatch keeps for BMP
 * only (libvips has no BMP loader of its own).
 *
 * ImageMagick reads dozens of formats, some of which (SVG, MSL, text, the
 * "ephemeral" and delegate coders) read other files or run programs.  The
 * bytes imgbatch hands it were sniffed as BMP, but ImageMagick judges them
 * again by itself, so it is also told, through its own policy mechanism,
 * that BMP is the only coder it may use: a worker writes a policy.xml that
 * denies every delegate, filter, module and coder but BMP, and "@file"
 * lists, points MAGICK_CONFIGURE_PATH at it, and sends ImageMagick's
 * temporary files (and, through TMPDIR, libvips' own) to the same private
 * directory (mode 0700), which it removes when it ends.
 *
 * ImageMagick 6 reads every policy.xml on its path, the system's after
 * ours: a site policy that allows coders back would weaken this one.
 * Debian's only denies.
 *
 * The directory is made inside the run's scratch directory, which the
 * master creates before the workers and removes after them (run_scratch.h),
 * so that a worker killed by --timeout leaves nothing behind either.
 */
#ifndef IMGBATCH_MAGICK_POLICY_H
#define IMGBATCH_MAGICK_POLICY_H

/*
 * Makes this worker's directory in scratch (or, with scratch NULL, a new
 * one in $TMPDIR), writes the policy there and points ImageMagick at it.
 * Call before libvips starts.  Returns 0, or -1 with a message on stderr.
 */
int magick_policy_install(const char *scratch);

/* Removes the worker's directory and what ImageMagick left in it. */
void magick_policy_remove(void);

/* The policy text for a temporary directory dir (malloc'd); tests read it. */
char *magick_policy_text(const char *dir);

#endif
