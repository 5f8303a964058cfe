// ferretdb-runner serves the MongoDB wire protocol on loopback from SQLite files (or memory), by embedding
// FerretDB v1. GasFlux API starts it when no MONGODB_URI is configured, and the tests start one per run.
// While it runs it holds an exclusive lock on <data>/ferretdb.lock, so two servers never share one folder.
// It prints the connection URI as its first stdout line, then serves until SIGINT or SIGTERM; with -exit-with-stdin,
// until its stdin closes instead (see untilParentEnds).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

const (
	lockFileName = "ferretdb.lock"
	// The exit code when another runner holds the folder's lock (the service turns it into a one-line error).
	exitFolderInUse = 3
	// How long a stop may take before the runner exits anyway.
	stopTimeout = 10 * time.Second
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "TCP address to listen on (port 0 picks a free one)")
	dataDir := flag.String("data", "", "directory for the SQLite files (created if missing)")
	memory := flag.Bool("memory", false, "keep the databases in memory (still needs -data as a scratch directory)")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	exitWithStdin := flag.Bool("exit-with-stdin", false, "stop when stdin closes; SIGINT and SIGTERM only once the parent is gone")
	flag.Parse()

	if *dataDir == "" {
		fail("-data is required")
	}
	dir, err := filepath.Abs(*dataDir)
	if err != nil {
		fail(err.Error())
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		fail(err.Error())
	}

	lock, err := lockFolder(dir)
	var inUse folderInUse
	if errors.As(err, &inUse) {
		fmt.Fprintln(os.Stderr, "ferretdb-runner:", inUse.Error())
		os.Exit(exitFolderInUse)
	}
	if err != nil {
		fail(err.Error())
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fail("bad -log-level: " + err.Error())
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	sqliteURL := "file:" + dir + "/"
	if *memory {
		sqliteURL += "?mode=memory"
	}
	server, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Handler:   "sqlite",
		SQLiteURL: sqliteURL,
		Logger:    logger,
	})
	if err != nil {
		fail(err.Error())
	}

	var ctx context.Context
	if *exitWithStdin {
		ctx = untilParentEnds()
	} else {
		var stop context.CancelFunc
		ctx, stop = signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
	}
	go exitIfStopTakesTooLong(ctx)

	fmt.Println(server.MongoDBURI())
	if err := server.Run(ctx); err != nil && ctx.Err() == nil {
		fail(err.Error())
	}
	// The lock lasts as long as the file stays open; keep it from being collected (and closed) before here.
	runtime.KeepAlive(lock)
}

type folderInUse struct{ dir, holder string }

func (e folderInUse) Error() string {
	return fmt.Sprintf("%s is in use by another ferretdb-runner %s", e.dir, e.holder)
}

// lockFolder takes the folder's lock, or fails with folderInUse naming the holder. The kernel releases the lock when
// the process ends in any way, so a lock file left behind never blocks. The file records this process and its
// parent, so the service can tell a server whose parent is gone (stale) from one a live service uses.
func lockFolder(dir string) (*os.File, error) {
	file, err := os.OpenFile(filepath.Join(dir, lockFileName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(file.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := io.ReadAll(file)
		file.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, folderInUse{dir: dir, holder: strings.TrimSpace(string(holder))}
		}
		return nil, err
	}
	record := fmt.Sprintf("{\"pid\":%d,\"parentPid\":%d}\n", os.Getpid(), os.Getppid())
	if err := file.Truncate(0); err != nil {
		return nil, err
	}
	if _, err := file.WriteAt([]byte(record), 0); err != nil {
		return nil, err
	}
	return file, nil
}

// untilParentEnds returns a context that ends when stdin reaches its end: the parent keeps the other end of the pipe,
// and the kernel closes it however the parent ends, SIGKILL included, so the server never outlives the service.
// SIGINT and SIGTERM stop the server only once the parent is gone. While the parent lives they are its to handle (a
// terminal's Ctrl-C and systemd's stop reach every process of the service): it closes the pipe after its own graceful
// shutdown, which still needs the database.
func untilParentEnds() context.Context {
	parent := os.Getppid()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		for range signals {
			if os.Getppid() != parent {
				cancel()
				return
			}
		}
	}()
	return ctx
}

func exitIfStopTakesTooLong(ctx context.Context) {
	<-ctx.Done()
	time.Sleep(stopTimeout)
	fail(fmt.Sprintf("did not stop within %s", stopTimeout))
}

func fail(message string) {
	fmt.Fprintln(os.Stderr, "ferretdb-runner:", message)
	os.Exit(1)
}
