# R gstat's krige(..., nmax = 32) on the kriging benchmark case.
#
# Started by kriging_speed.py in a process of its own (its peak memory is read by the
# parent). Reads the raw little-endian float64 files written by kriging_case.save_case,
# kriges the grid rows START..STOP-1 (0-based, STOP excluded, as in Python), best of
# REPEATS, and writes mean.bin, var.bin (nodes row by row, x fastest) and result.json.
#
# Usage: Rscript gstat_speed.R CASE_DIR OUT_DIR START STOP REPEATS

suppressPackageStartupMessages(library(gstat))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 5) {
  stop("usage: Rscript gstat_speed.R CASE_DIR OUT_DIR START STOP REPEATS")
}
case_dir <- args[1]
out_dir <- args[2]
first_row <- as.integer(args[3]) + 1L  # R counts from 1
last_row <- as.integer(args[4])
repeats <- as.integer(args[5])

read_doubles <- function(name) {
  path <- file.path(case_dir, name)
  readBin(path, "double", n = file.size(path) / 8, size = 8, endian = "little")
}

samples <- matrix(read_doubles("samples.bin"), ncol = 3)
samples <- data.frame(x = samples[, 1], y = samples[, 2], z = samples[, 3])
grid_x <- read_doubles("grid_x.bin")
grid_y <- read_doubles("grid_y.bin")[first_row:last_row]
model_values <- read_doubles("model.bin")  # psill, range (gstat's a), nugget
model <- vgm(model_values[1], "Exp", model_values[2], model_values[3])

# expand.grid varies x fastest: the node order of the Python tools
nodes <- expand.grid(x = grid_x, y = grid_y)

predict_nodes <- function(newdata) {
  krige(z ~ 1, locations = ~ x + y, data = samples, newdata = newdata,
        model = model, nmax = 32, debug.level = 0)
}

invisible(predict_nodes(nodes[1:64, ]))  # warm up, as the Python workers do
times <- numeric(repeats)
for (i in seq_len(repeats)) {
  times[i] <- system.time(result <- predict_nodes(nodes))[["elapsed"]]
}

dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
writeBin(as.double(result$var1.pred), file.path(out_dir, "mean.bin"), size = 8,
         endian = "little")
writeBin(as.double(result$var1.var), file.path(out_dir, "var.bin"), size = 8,
         endian = "little")

json <- sprintf(paste0(
  '{"tool": "gstat", "runs": [{"threads": 1, "times_s": [%s]}], "setup_s": 0,\n',
  ' "n_nodes": %d,\n',
  ' "options": "krige(z ~ 1, locations = ~x + y, model = vgm(psill, \\"Exp\\", a, nugget), nmax = 32)",\n',
  ' "versions": {"R": "%s", "gstat": "%s", "sp": "%s"}}\n'),
  paste(sprintf("%.6f", times), collapse = ", "),
  nrow(nodes),
  paste(R.version$major, R.version$minor, sep = "."),
  as.character(packageVersion("gstat")),
  as.character(packageVersion("sp")))
writeLines(json, file.path(out_dir, "result.json"), sep = "")
