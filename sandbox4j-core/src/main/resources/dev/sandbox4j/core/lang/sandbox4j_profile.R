## sandbox4j R user profile (R_PROFILE_USER): when SANDBOX4J_OUTPUT_DIR is set,
## the default graphics device writes PNGs there (Rplot-001.png, Rplot-002.png,
## ...), so plot(1:10) in an Rscript run leaves an artifact without opening a
## device. A device the user opens (png("my.png"), pdf(), ...) works as usual.
##
## The first default device writes its pages straight into the output directory
## (so finished pages survive even if the run is killed). A later one (after
## dev.off(), or dev.new() while one is open) writes into a directory under
## tempdir() and its pages are moved to the next free Rplot numbers once it and
## every earlier one are closed: an existing file is never overwritten. An exit
## finalizer (which R runs on normal exit, quit() and "Execution halted") closes
## the devices and moves what is left.
##
## Sourced before the default packages are attached: base only here, grDevices
## is used when a device is opened. Nothing is defined in the global environment
## and nothing is printed.
invisible(local({
    out <- Sys.getenv("SANDBOX4J_OUTPUT_DIR")
    if (!nzchar(out)) return(NULL)

    st <- new.env(parent = emptyenv())
    st$n <- 0L       # last Rplot number handed out for a moved page
    st$devs <- list() # devices opened here, oldest first: list(dev = number, dir = staging dir or NULL)

    say <- function(...)
        cat("sandbox4j: ", gsub("[\r\n]+", " ", paste0(...)), "\n", sep = "", file = stderr())

    next_free <- function() {
        repeat {
            st$n <- st$n + 1L
            f <- file.path(out, sprintf("Rplot-%03d.png", st$n))
            if (!file.exists(f)) return(f)
        }
    }

    ## Moves the pages of closed staged devices to the output directory, in the
    ## order the devices were opened; stops at the first device still open.
    flush <- function(all = FALSE) {
        open <- if (all) integer() else grDevices::dev.list()
        devs <- st$devs
        while (length(devs) > 0L && !(devs[[1L]]$dev %in% open)) {
            dir <- devs[[1L]]$dir
            devs <- devs[-1L]
            if (is.null(dir)) next
            pages <- list.files(dir, pattern = "^[0-9]+[.]png$")
            pages <- pages[order(as.integer(sub("[.]png$", "", pages)))]
            for (p in pages) {
                src <- file.path(dir, p)
                if (isTRUE(file.info(src)$size > 0) && !file.copy(src, next_free()))
                    say("could not save plot ", p, " to ", out)
            }
            unlink(dir, recursive = TRUE)
        }
        st$devs <- devs
        invisible()
    }

    device <- function(width = 7, height = 7, pointsize = 12, bg = "white", res = 100, ...) {
        tryCatch(flush(), error = function(e) say("could not save plots: ", conditionMessage(e)))
        direct <- length(st$devs) == 0L &&
            !any(grepl("^Rplot-[0-9]+[.]png$", list.files(out)))
        dir <- NULL
        ok <- tryCatch({
            if (!dir.exists(out) || file.access(out, 2L) != 0L)
                stop("output directory '", out, "' is not a writable directory")
            if (direct) {
                file <- file.path(out, "Rplot-%03d.png")
            } else {
                dir <- tempfile("sandbox4j-plots-")
                dir.create(dir)
                file <- file.path(dir, "%03d.png")
            }
            if (isTRUE(capabilities("cairo")))
                grDevices::png(file, width = width, height = height, units = "in",
                               pointsize = pointsize, bg = bg, res = res, type = "cairo", ...)
            else
                grDevices::png(file, width = width, height = height, units = "in",
                               pointsize = pointsize, bg = bg, res = res, ...)
            TRUE
        }, error = function(e) {
            say("could not open the png device: ", conditionMessage(e))
            FALSE
        })
        if (ok) {
            st$devs <- c(st$devs, list(list(dev = grDevices::dev.cur(), dir = dir)))
        } else {
            grDevices::pdf(NULL) # draw nowhere rather than fail the user's code
        }
        invisible()
    }

    reg.finalizer(st, function(e) {
        if (length(st$devs) > 0L) {
            try(grDevices::graphics.off(), silent = TRUE)
            tryCatch(flush(all = TRUE),
                     error = function(e) say("could not save plots: ", conditionMessage(e)))
        }
    }, onexit = TRUE)
    ## Keeps st (and so its finalizer) alive even if the user replaces the device option.
    options(device = device, sandbox4j.plots = st)
    NULL
}))
