# Reference values from R gstat for seabed's tests.
#
# Regenerate (from the repository root; needs R with the sp and gstat packages,
# e.g. Debian: apt-get install r-base-core r-cran-gstat r-cran-sp):
#
#     Rscript tests/reference/gstat/make_reference.R
#
# Every file is written beside this script. Numbers carry 17 significant digits
# (sprintf "%.17g"), so a double read back in Python is the double R computed.
# Missing values are written as NA. CI never runs R: it reads the committed files.

suppressPackageStartupMessages({
  library(sp)
  library(gstat)
})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
out_dir <- if (length(script) == 1) dirname(normalizePath(script)) else "."

write_ref <- function(df, name) {
  df <- as.data.frame(df)
  for (col in names(df)) {
    if (is.factor(df[[col]])) df[[col]] <- as.character(df[[col]])
    if (is.numeric(df[[col]])) {
      v <- df[[col]]
      df[[col]] <- ifelse(is.na(v), "NA", sprintf("%.17g", v))
    }
  }
  path <- file.path(out_dir, paste0(name, ".csv"))
  write.csv(df, path, row.names = FALSE, quote = FALSE, na = "NA")
  cat("wrote", path, "\n")
}

# ---------------------------------------------------------------- input data
data(meuse)
data(meuse.grid)
meuse_df <- meuse
names(meuse_df) <- gsub(".", "_", names(meuse_df), fixed = TRUE)  # dist.m -> dist_m
meuse_df$log_zinc <- log(meuse_df$zinc)
write_ref(meuse_df, "meuse")
write_ref(meuse.grid[, c("x", "y", "dist")], "meuse_grid")

coordinates(meuse) <- ~ x + y
grid <- meuse.grid
coordinates(grid) <- ~ x + y
gridded(grid) <- TRUE

# ---------------------------------------------------- experimental variograms
ev_frame <- function(v) {
  data.frame(np = v$np, dist = v$dist, gamma = v$gamma, dir_hor = v$dir.hor)
}
v <- variogram(log(zinc) ~ 1, meuse)
write_ref(ev_frame(v), "variogram_omni")
write_ref(data.frame(boundary = attr(v, "boundaries")), "variogram_omni_boundaries")

v_dir <- variogram(log(zinc) ~ 1, meuse, alpha = c(0, 45, 90, 135))
write_ref(ev_frame(v_dir), "variogram_directional")

v_cw <- variogram(log(zinc) ~ 1, meuse, cutoff = 1000, width = 50)
write_ref(ev_frame(v_cw), "variogram_cutoff1000_width50")

v_one <- variogram(log(zinc) ~ 1, meuse, alpha = 30, tol.hor = 15)
write_ref(ev_frame(v_one), "variogram_alpha30_tol15")

# Bin edges and coincident points: a 6 x 6 lattice with 100 m spacing, with its
# first point repeated, and lags that fall exactly on multiples of the width.
lattice <- expand.grid(x = seq(0, 500, by = 100), y = seq(0, 500, by = 100))
lattice <- rbind(lattice[1, ], lattice)
lattice$z <- sin(lattice$x / 170) + cos(lattice$y / 230) + lattice$x * lattice$y / 1e5
lattice$z[1] <- lattice$z[1] + 0.25  # the repeated point differs from its twin
write_ref(lattice, "lattice")
lat_sp <- lattice
coordinates(lat_sp) <- ~ x + y
v_lat <- variogram(z ~ 1, lat_sp, cutoff = 400, width = 100)
write_ref(ev_frame(v_lat), "variogram_lattice")

# -------------------------------------------------------------- model fits
fit_frame <- function(case, fit) {
  data.frame(
    case = case, model = as.character(fit$model), psill = fit$psill,
    range = fit$range, kappa = fit$kappa,
    sserr = attr(fit, "SSErr"), singular = as.integer(attr(fit, "singular"))
  )
}
v_sph <- fit.variogram(v, vgm(1, "Sph", 900, 1))
fits <- list(
  fit_frame("sph", v_sph),
  fit_frame("exp", fit.variogram(v, vgm(1, "Exp", 900, 1))),
  fit_frame("gau", fit.variogram(v, vgm(1, "Gau", 900, 1))),
  fit_frame("sph_method1", fit.variogram(v, vgm(1, "Sph", 900, 1), fit.method = 1)),
  fit_frame("sph_method2", fit.variogram(v, vgm(1, "Sph", 900, 1), fit.method = 2)),
  fit_frame("sph_method6", fit.variogram(v, vgm(1, "Sph", 900, 1), fit.method = 6)),
  fit_frame("sph_fixed_nugget",
            fit.variogram(v, vgm(1, "Sph", 900, 0.05), fit.sills = c(FALSE, TRUE))),
  fit_frame("sph_fixed_range",
            fit.variogram(v, vgm(1, "Sph", 900, 1), fit.ranges = FALSE)),
  fit_frame("exp_no_nugget", fit.variogram(v, vgm(1, "Exp", 300))),
  # gstat fits all directions together, along north; it warns about a
  # condition of length 4 (one row per direction) that is harmless here
  fit_frame("sph_directional",
            suppressWarnings(fit.variogram(v_dir, vgm(1, "Sph", 900, 1))))
)
write_ref(do.call(rbind, fits), "fit_variogram")

# ------------------------------------------------------------------ kriging
pred_frame <- function(k) {
  df <- as.data.frame(k)
  data.frame(x = df$x, y = df$y, pred = df$var1.pred, var = df$var1.var)
}
nug <- v_sph$psill[1]
psill <- v_sph$psill[2]
rng <- v_sph$range[2]
mean_log_zinc <- mean(log(meuse$zinc))

write_ref(pred_frame(krige(log(zinc) ~ 1, meuse, grid, v_sph, debug.level = 0)),
          "krige_ok_global")
write_ref(pred_frame(krige(log(zinc) ~ 1, meuse, grid, v_sph, nmax = 20,
                           debug.level = 0)),
          "krige_ok_nmax20")
write_ref(pred_frame(krige(log(zinc) ~ 1, meuse, grid, v_sph, beta = mean_log_zinc,
                           debug.level = 0)),
          "krige_sk_global")
write_ref(pred_frame(krige(log(zinc) ~ sqrt(dist), meuse, grid, v_sph,
                           debug.level = 0)),
          "krige_ked_sqrt_dist")
write_ref(pred_frame(krige(log(zinc) ~ 1, meuse, grid, v_sph, block = c(40, 40),
                           debug.level = 0)),
          "krige_ok_block40")
write_ref(pred_frame(krige(log(zinc) ~ 1, meuse, grid, v_sph, maxdist = 600,
                           nmin = 5, debug.level = 0)),
          "krige_ok_maxdist600_nmin5")
# sector limits: gstat keeps the omax nearest per quadrant of the nmax nearest
# (within maxdist); nmin counts the samples before that limit. gstat refuses omax
# without maxdist; 100 km is far beyond meuse (4 km across), so only nmax binds.
write_ref(pred_frame(krige(log(zinc) ~ 1, meuse, grid, v_sph, nmax = 20, omax = 3,
                           maxdist = 1e5, debug.level = 0)),
          "krige_ok_nmax20_omax3")
write_ref(pred_frame(krige(log(zinc) ~ 1, meuse, grid, v_sph, maxdist = 600,
                           nmin = 5, omax = 2, debug.level = 0)),
          "krige_ok_maxdist600_nmin5_omax2")
idw_omax <- idw(log(zinc) ~ 1, meuse, grid, nmax = 20, omax = 3, maxdist = 1e5,
                debug.level = 0)
write_ref(data.frame(x = coordinates(idw_omax)[, 1], y = coordinates(idw_omax)[, 2],
                     pred = idw_omax$var1.pred),
          "idw_nmax20_omax3")
v_anis <- vgm(psill, "Sph", rng, nug, anis = c(30, 0.5))
write_ref(pred_frame(krige(log(zinc) ~ 1, meuse, grid, v_anis, nmax = 20,
                           debug.level = 0)),
          "krige_ok_anis_nmax20")

cv <- krige.cv(log(zinc) ~ 1, meuse, v_sph, nmax = 20, verbose = FALSE,
               debug.level = 0)
cv_df <- as.data.frame(cv)
write_ref(data.frame(x = cv_df$x, y = cv_df$y, pred = cv_df$var1.pred,
                     var = cv_df$var1.var, observed = cv_df$observed,
                     residual = cv_df$residual, zscore = cv_df$zscore),
          "krige_cv_ok_nmax20")
write_ref(data.frame(
  statistic = c("mean_error", "rmse", "mean_zscore", "mean_squared_zscore",
                "sd_zscore", "cor_observed_predicted"),
  value = c(mean(cv$residual), sqrt(mean(cv$residual^2)), mean(cv$zscore),
            mean(cv$zscore^2), sd(cv$zscore), cor(cv$observed, cv$var1.pred))
), "krige_cv_ok_nmax20_summary")

# ------------------------------------ unbounded and pure-nugget models (Pow, Lin, Nug)
# gstat's Lin with range 0 is unbounded (slope psill per unit distance); with a
# range > 0 it levels off at psill. Pow takes its exponent as the range.
write_ref(rbind(
  fit_frame("pow", fit.variogram(v, vgm(0.5, "Pow", 1, 0.1))),
  fit_frame("lin", fit.variogram(v, vgm(0.001, "Lin", 0, 0.1))),
  fit_frame("lin_sill", fit.variogram(v, vgm(0.6, "Lin", 900, 0.1))),
  fit_frame("nug", fit.variogram(v, vgm(0.6, "Nug", 0)))
), "fit_variogram_models")

# kriging with fixed (not fitted) models, so the kriging is tested on its own
v_pow <- vgm(0.012, "Pow", 0.6, 0.05)
v_lin <- vgm(2e-4, "Lin", 0, 0.12)
v_nug <- vgm(0.6, "Nug", 0)
v_pow_anis <- vgm(0.012, "Pow", 0.6, 0.05, anis = c(30, 0.5))
write_ref(pred_frame(krige(log(zinc) ~ 1, meuse, grid, v_pow, nmax = 20,
                           debug.level = 0)),
          "krige_ok_pow_nmax20")
write_ref(pred_frame(krige(log(zinc) ~ 1, meuse, grid, v_lin, nmax = 20,
                           debug.level = 0)),
          "krige_ok_lin_nmax20")
write_ref(pred_frame(krige(log(zinc) ~ 1, meuse, grid, v_nug, nmax = 20,
                           debug.level = 0)),
          "krige_ok_nug_nmax20")
write_ref(pred_frame(krige(log(zinc) ~ 1, meuse, grid, v_pow_anis, nmax = 20,
                           debug.level = 0)),
          "krige_ok_pow_anis_nmax20")
write_ref(pred_frame(krige(log(zinc) ~ 1, meuse, grid, v_lin, block = c(40, 40),
                           debug.level = 0)),
          "krige_ok_lin_block40")
write_ref(pred_frame(krige(log(zinc) ~ 1, meuse, grid, v_pow, debug.level = 0)),
          "krige_ok_pow_global")
cv_pow <- as.data.frame(krige.cv(log(zinc) ~ 1, meuse, v_pow, nmax = 20,
                                 verbose = FALSE, debug.level = 0))
write_ref(data.frame(x = cv_pow$x, y = cv_pow$y, pred = cv_pow$var1.pred,
                     var = cv_pow$var1.var, observed = cv_pow$observed),
          "krige_cv_ok_pow_nmax20")
write_ref(data.frame(
  name = c("pow", "lin", "nug", "pow_anis"),
  model = c("Pow", "Lin", "Nug", "Pow"),
  psill = c(0.012, 2e-4, 0.6, 0.012), range = c(0.6, 0, 0, 0.6),
  nugget = c(0.05, 0.12, 0, 0.05), anis_angle = c(NA, NA, NA, 30),
  anis_ratio = c(NA, NA, NA, 0.5)
), "unbounded_models")

# the models used above, as seabed.geostats.Variogram arguments
write_ref(data.frame(
  name = c("sph", "anis"), model = "spherical", psill = psill, range = rng,
  nugget = nug, anis_angle = c(NA, 30), anis_ratio = c(NA, 0.5),
  sk_mean = mean_log_zinc
), "kriging_models")

writeLines(capture.output(sessionInfo()), file.path(out_dir, "sessionInfo.txt"))
cat("done\n")
