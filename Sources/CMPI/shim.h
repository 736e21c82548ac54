/* MPI for Swift (the MPI package trait): Open MPI defines MPI_COMM_WORLD, MPI_DOUBLE, MPI_SUM,
 * MPI_IN_PLACE and friends as macros over addresses of its globals, which Swift cannot import;
 * these inline functions hand them over. */
#ifndef GMM_MPI_SHIM_H
#define GMM_MPI_SHIM_H
#include <mpi.h>

static inline MPI_Comm gmm_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype gmm_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype gmm_mpi_int(void) { return MPI_INT; }
static inline MPI_Datatype gmm_mpi_char(void) { return MPI_CHAR; }
static inline MPI_Op gmm_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op gmm_mpi_min(void) { return MPI_MIN; }
static inline MPI_Op gmm_mpi_max(void) { return MPI_MAX; }
static inline void *gmm_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline int gmm_mpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
static inline int gmm_mpi_success(void) { return MPI_SUCCESS; }
#endif
