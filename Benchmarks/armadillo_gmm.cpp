// One Armadillo fit for compare.py (built by it, not part of the library): gmm_full / gmm_diag
// from explicit parameters, a fixed number of EM iterations, no k-means.
//   armadillo_gmm DIR N D K full|diag ITERATIONS
// DIR holds raw float64 files: X.bin (N x D row-major = D x N column-major), weights.bin (K),
// means.bin (K x D row-major = D x K), covs.bin (full: K x D x D; diag: K x D).
// Prints: seconds_total lower_bound(avg log-likelihood)
#include <armadillo>
#include <chrono>
#include <cstdio>
#include <string>

using namespace arma;

static mat load(const std::string &path, uword rows, uword cols) {
    mat m(rows, cols);
    FILE *f = std::fopen(path.c_str(), "rb");
    if (!f || std::fread(m.memptr(), sizeof(double), rows * cols, f) != rows * cols) { std::perror(path.c_str()); std::exit(1); }
    std::fclose(f);
    return m;
}

int main(int argc, char **argv) {
    if (argc != 7) { std::fprintf(stderr, "usage: armadillo_gmm DIR N D K full|diag ITERATIONS\n"); return 2; }
    std::string dir = argv[1];
    uword n = std::stoul(argv[2]), d = std::stoul(argv[3]), k = std::stoul(argv[4]);
    bool full = std::string(argv[5]) == "full";
    uword iterations = std::stoul(argv[6]);
    mat X = load(dir + "/X.bin", d, n);
    rowvec hefts = load(dir + "/weights.bin", 1, k);
    mat means = load(dir + "/means.bin", d, k);
    double seconds = 0, bound = 0;
    if (full) {
        cube fcovs(d, d, k);
        mat c = load(dir + "/covs.bin", d * d, k);
        for (uword g = 0; g < k; g++) fcovs.slice(g) = reshape(c.col(g), d, d);
        gmm_full model;
        model.set_params(means, fcovs, hefts);
        auto t0 = std::chrono::steady_clock::now();
        model.learn(X, k, eucl_dist, keep_existing, 0, iterations, 1e-10, false);
        seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        bound = model.avg_log_p(X);
    } else {
        mat dcovs = load(dir + "/covs.bin", d, k);
        gmm_diag model;
        model.set_params(means, dcovs, hefts);
        auto t0 = std::chrono::steady_clock::now();
        model.learn(X, k, eucl_dist, keep_existing, 0, iterations, 1e-10, false);
        seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        bound = model.avg_log_p(X);
    }
    std::printf("%.9f %.12f\n", seconds, bound);
    return 0;
}
