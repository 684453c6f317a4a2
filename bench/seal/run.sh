#!/bin/sh
# bench/seal/run.sh - build bench/seal/seal.c against a configured, built
# build directory and run it: ns per 64 B and 1500 B frame to seal, open
# and both, for XChaCha20-Poly1305 and AES-256-GCM (libsodium) and for the
# seal -> unseal blocks (blocks/seal.c). Usage:
#   BUILD=/path/to/build sh bench/seal/run.sh [-n FRAMES]
# BUILD defaults to the current directory's ../.. (started from
# <builddir>/bench/seal) or the current directory if it has
# runtime/liblanart.a. (bench/run-program.sh builds and runs it.)
exec sh "$(dirname "$0")/../run-program.sh" seal "$@"
