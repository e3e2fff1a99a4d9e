# sandbox4j R kernel: one long-lived R session driven by the host over sandbox4j's kernel protocol
# (4-byte big-endian length + UTF-8 JSON frames; see sandbox4j_kernel.py for the messages).
# Started as `Rscript --no-save --no-restore sandbox4j_kernel.R 3<&0 4>&1 </dev/null 1>&2`: requests arrive on fd 3,
# messages leave on fd 4. A cell's R output (print, cat, messages, warnings) is captured with sink(); output of child
# processes (system()) goes to the exec's stderr. Visible values are printed like at the R prompt; the last one is the
# cell's result. Plots go to a PNG device per cell and come back as displays. Interrupts arrive as SIGINT.
local({
  .k <- new.env()
  .k$con_in <- file("/dev/fd/3", open = "rb", raw = TRUE)
  .k$con_out <- file("/dev/fd/4", open = "wb", raw = TRUE)
  .k$count <- 0L
  .k$ns <- new.env(parent = globalenv())

  json_str <- function(s) {
    s <- enc2utf8(as.character(s))
    s <- gsub("\\", "\\\\", s, fixed = TRUE)
    s <- gsub("\"", "\\\"", s, fixed = TRUE)
    s <- gsub("\n", "\\n", s, fixed = TRUE)
    s <- gsub("\r", "\\r", s, fixed = TRUE)
    s <- gsub("\t", "\\t", s, fixed = TRUE)
    s <- gsub("[\001-\037]", " ", s, useBytes = TRUE)
    paste0("\"", s, "\"")
  }
  to_json <- function(x) {
    if (is.null(x)) return("null")
    if (is.list(x)) {
      if (!is.null(names(x))) {
        parts <- vapply(names(x), function(n) paste0(json_str(n), ":", to_json(x[[n]])), "")
        return(paste0("{", paste(parts, collapse = ","), "}"))
      }
      return(paste0("[", paste(vapply(x, to_json, ""), collapse = ","), "]"))
    }
    if (is.logical(x)) return(if (isTRUE(x)) "true" else "false")
    if (is.numeric(x)) return(format(x, scientific = FALSE))
    json_str(x)
  }
  # a small JSON reader: objects, arrays, strings (with escapes), numbers, true/false/null
  from_json <- function(txt) {
    chars <- strsplit(txt, "")[[1]]
    pos <- 1L
    peek <- function() chars[pos]
    skip <- function() while (pos <= length(chars) && chars[pos] %in% c(" ", "\n", "\r", "\t")) pos <<- pos + 1L
    value <- function() {
      skip()
      ch <- peek()
      if (ch == "{") {
        pos <<- pos + 1L; out <- list(); skip()
        if (peek() == "}") { pos <<- pos + 1L; return(out) }
        repeat {
          skip(); key <- value(); skip(); pos <<- pos + 1L  # ':'
          out[key] <- list(value()); skip()
          if (peek() == ",") { pos <<- pos + 1L } else { pos <<- pos + 1L; return(out) }
        }
      }
      if (ch == "[") {
        pos <<- pos + 1L; out <- list(); skip()
        if (peek() == "]") { pos <<- pos + 1L; return(out) }
        repeat {
          out[[length(out) + 1L]] <- value(); skip()
          if (peek() == ",") { pos <<- pos + 1L } else { pos <<- pos + 1L; return(out) }
        }
      }
      if (ch == "\"") {
        pos <<- pos + 1L; buf <- character()
        repeat {
          c1 <- chars[pos]
          if (c1 == "\"") { pos <<- pos + 1L; break }
          if (c1 == "\\") {
            e <- chars[pos + 1L]; pos <<- pos + 2L
            if (e == "u") {
              cp <- strtoi(paste(chars[pos:(pos + 3L)], collapse = ""), 16L); pos <<- pos + 4L
              if (cp >= 0xD800 && cp <= 0xDBFF && chars[pos] == "\\" && chars[pos + 1L] == "u") {
                lo <- strtoi(paste(chars[(pos + 2L):(pos + 5L)], collapse = ""), 16L); pos <<- pos + 6L
                cp <- 0x10000 + (cp - 0xD800) * 1024 + (lo - 0xDC00)
              }
              buf <- c(buf, intToUtf8(cp))
            } else {
              buf <- c(buf, switch(e, n = "\n", t = "\t", r = "\r", b = "\b", f = "\f", e))
            }
          } else {
            buf <- c(buf, c1); pos <<- pos + 1L
          }
        }
        return(paste(buf, collapse = ""))
      }
      if (substr(paste(chars[pos:min(length(chars), pos + 3L)], collapse = ""), 1, 4) == "true") { pos <<- pos + 4L; return(TRUE) }
      if (substr(paste(chars[pos:min(length(chars), pos + 4L)], collapse = ""), 1, 5) == "false") { pos <<- pos + 5L; return(FALSE) }
      if (substr(paste(chars[pos:min(length(chars), pos + 3L)], collapse = ""), 1, 4) == "null") { pos <<- pos + 4L; return(NULL) }
      start <- pos
      while (pos <= length(chars) && chars[pos] %in% c("-", "+", ".", "e", "E", as.character(0:9))) pos <<- pos + 1L
      as.numeric(paste(chars[start:(pos - 1L)], collapse = ""))
    }
    value()
  }
  b64 <- function(bytes) {
    alphabet <- strsplit("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", "")[[1]]
    x <- as.integer(bytes); n <- length(x); pad <- (3 - n %% 3) %% 3
    x <- c(x, rep(0L, pad)); m <- matrix(x, nrow = 3)
    v <- m[1, ] * 65536L + m[2, ] * 256L + m[3, ]
    idx <- rbind(v %/% 262144L, (v %/% 4096L) %% 64L, (v %/% 64L) %% 64L, v %% 64L) + 1L
    out <- alphabet[as.vector(idx)]
    if (pad > 0) out[(length(out) - pad + 1):length(out)] <- "="
    paste(out, collapse = "")
  }
  send <- function(msg) {
    body <- charToRaw(enc2utf8(to_json(msg)))
    n <- length(body)
    head <- as.raw(c(n %/% 16777216, (n %/% 65536) %% 256, (n %/% 256) %% 256, n %% 256))
    writeBin(c(head, body), .k$con_out)
    flush(.k$con_out)
  }
  receive <- function() {
    head <- readBin(.k$con_in, "raw", 4L)
    if (length(head) < 4L) quit(save = "no", status = 0)
    n <- sum(as.integer(head) * c(16777216, 65536, 256, 1))
    body <- readBin(.k$con_in, "raw", n)
    from_json(rawToChar(body))
  }

  run_cell <- function(req) {
    .k$count <- .k$count + 1L
    id <- req$id
    if (!is.null(req$output_dir)) {
      unlink(req$output_dir, recursive = TRUE)
      dir.create(req$output_dir, recursive = TRUE, showWarnings = FALSE)
      Sys.setenv(SANDBOX4J_OUTPUT_DIR = req$output_dir)
    }
    out_file <- tempfile("out"); err_file <- tempfile("err")
    out_con <- file(out_file, open = "wt"); err_con <- file(err_file, open = "wt")
    plot_dir <- tempfile("plots"); dir.create(plot_dir)
    grDevices::png(file.path(plot_dir, "p%03d.png"), width = 700, height = 500, type = "cairo")
    plot_dev <- grDevices::dev.cur()
    stdin_text <- if (is.null(req$stdin)) character() else strsplit(req$stdin, "\n", fixed = TRUE)[[1]]
    assign("readLines", function(con = stdin(), n = -1L, ...) {
      if (identical(con, stdin()) || identical(con, "stdin")) { v <- stdin_text; if (n >= 0) v <- head(v, n); v }
      else base::readLines(con, n, ...)
    }, envir = .k$ns)
    sink(out_con); sink(err_con, type = "message")
    status <- "ok"; result <- NULL; err <- NULL
    tryCatch({
      exprs <- parse(text = req$code, keep.source = FALSE)
      for (i in seq_along(exprs)) {
        r <- withCallingHandlers(withVisible(eval(exprs[[i]], envir = .k$ns)),
          warning = function(w) { message("Warning: ", conditionMessage(w)); invokeRestart("muffleWarning") })
        if (r$visible) {
          if (i == length(exprs)) result <- r$value else print(r$value)
        }
      }
    }, interrupt = function(e) {
      status <<- "error"; err <<- list(ename = "KeyboardInterrupt", evalue = "interrupted")
    }, error = function(e) {
      status <<- "error"
      call <- conditionCall(e)
      where <- if (is.null(call)) "" else paste(deparse(call), collapse = " ")
      if (startsWith(where, "eval(exprs[[i]]")) where <- ""
      err <<- list(ename = if (identical(class(e)[1], "simpleError")) "Error" else class(e)[1],
                   evalue = conditionMessage(e), where = where)
    })
    text_result <- if (!is.null(result)) paste(utils::capture.output(print(result)), collapse = "\n") else NULL
    sink(type = "message"); sink()
    close(out_con); close(err_con)
    if (plot_dev %in% grDevices::dev.list()) grDevices::dev.off(plot_dev)
    send_file <- function(f, name) {
      txt <- paste(readLines(f, warn = FALSE), collapse = "\n")
      if (nzchar(txt)) send(list(type = "stream", id = id, name = name, text = paste0(txt, "\n")))
      unlink(f)
    }
    send_file(out_file, "stdout")
    if (!is.null(err)) {
      tb <- c(paste0("Error", if (nzchar(err$where %||% "")) paste0(" in ", err$where) else "", ": ", err$evalue))
      cat(tb, "\n", file = err_file, append = TRUE, sep = "")
    }
    send_file(err_file, "stderr")
    for (p in sort(list.files(plot_dir, full.names = TRUE))) {
      bytes <- readBin(p, "raw", file.info(p)$size)
      send(list(type = "display", id = id, data = list(`image/png` = b64(bytes), `text/plain` = "<plot>")))
    }
    unlink(plot_dir, recursive = TRUE)
    if (!is.null(err)) {
      send(list(type = "error", id = id, ename = err$ename, evalue = err$evalue,
                traceback = list(paste0(err$ename, ": ", err$evalue))))
    }
    if (!is.null(text_result)) send(list(type = "result", id = id, data = list(`text/plain` = text_result)))
    send(list(type = "done", id = id, count = .k$count, status = status))
  }
  `%||%` <- function(a, b) if (is.null(a)) b else a

  send(list(type = "ready", pid = Sys.getpid(), language = "r", version = paste(R.version$major, R.version$minor, sep = "."),
            interrupt = "signal", ping = TRUE))
  repeat {
    req <- tryCatch(receive(), interrupt = function(e) NULL)
    if (is.null(req)) next
    if (identical(req$op, "execute")) {
      tryCatch(run_cell(req), interrupt = function(e) {
        while (sink.number() > 0) sink()
        while (sink.number(type = "message") > 2) sink(type = "message")
        send(list(type = "done", id = req$id, count = .k$count, status = "error"))
      })
    } else if (identical(req$op, "ping")) {
      send(list(type = "pong", nonce = req$nonce))
    } else if (identical(req$op, "reset")) {
      .k$ns <- new.env(parent = globalenv()); .k$count <- 0L
      send(list(type = "done", id = req$id, count = 0, status = "ok"))
    }
  }
})
