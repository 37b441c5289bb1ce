#ifndef REDERIVE_CBLAS_SHIM_H
#define REDERIVE_CBLAS_SHIM_H
#include <stddef.h>
#include <cblas.h>

// OpenBLAS carries LAPACK, but Debian ships no lapacke.h without liblapacke-dev, so the
// Fortran symbols are declared here. Fortran passes everything by pointer; character
// arguments also carry a hidden length, appended at the end (gfortran ABI).
void ssyevd_(const char *jobz, const char *uplo, const int *n, float *a, const int *lda,
             float *w, float *work, const int *lwork, int *iwork, const int *liwork, int *info,
             size_t jobz_len, size_t uplo_len);
void sgesdd_(const char *jobz, const int *m, const int *n, float *a, const int *lda,
             float *s, float *u, const int *ldu, float *vt, const int *ldvt,
             float *work, const int *lwork, int *iwork, int *info, size_t jobz_len);
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
             double *w, double *work, const int *lwork, int *iwork, const int *liwork, int *info,
             size_t jobz_len, size_t uplo_len);

#endif
