/*
 * imgbatch: batch image processing on a pool of worker processes.
 *
 * main only parses the command line and hands over to run or bench.
 */
#include "cli.h"
#include "run.h"

#include <signal.h>
#include <stdio.h>

#ifndef IMGBATCH_VERSION
#define IMGBATCH_VERSION "dev"
#endif

int main(int argc, char **argv)
{
    struct options opts;
    char err[512];

    /*
     * A report written into a closed pipe ("imgbatch ... | head") must be
     * an error to handle (EPIPE: stop cleanly, remove temporary files), not
     * a death in the middle of the run.
     */
    signal(SIGPIPE, SIG_IGN);

    if (cli_parse(argc, argv, &opts, err, sizeof(err)) < 0) {
        fprintf(stderr, "imgbatch: %s\n", err);
        return EXIT_USAGE;
    }
    if (opts.help) {
        cli_usage(stdout);
        return 0;
    }
    if (opts.version) {
        printf("imgbatch %s\n", IMGBATCH_VERSION);
        return 0;
    }
    if (opts.op == OP_BENCH)
        return run_bench(&opts);
    return run_batch(&opts);
}
