// oneDNN 2.x C API (Debian 12: libdnnl-dev 2.6.3) for KaryoNet's OneDNN backend.
#ifndef KARYO_CDNNL_SHIM_H
#define KARYO_CDNNL_SHIM_H
#include <dlfcn.h>
#include <oneapi/dnnl/dnnl.h>

/// Sets the OpenMP thread count of the calling thread for oneDNN. Debian's libdnnl threads with
/// OpenMP (libgomp, loaded with it); the function is looked up at run time so that linking needs
/// no libgomp development symlink. Does nothing if no OpenMP runtime is loaded.
static inline void karyo_omp_set_num_threads(int n) {
    typedef void (*set_threads_t)(int);
    static set_threads_t set_threads = 0;
    static int looked_up = 0;
    if (!looked_up) {
        void *self = dlopen(0, RTLD_LAZY);
        if (self) set_threads = (set_threads_t)dlsym(self, "omp_set_num_threads");
        looked_up = 1;
    }
    if (set_threads) set_threads(n);
}

#endif
