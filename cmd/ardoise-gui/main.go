// Command ardoise-gui is the window the public sees on a computer Ardoise
// looks after: the privacy notice at the start of a session, the list of
// what the end will erase, and the screen that says the computer is clean.
// It runs as the session's user, in their graphical session, and talks to
// the agent over its local socket; it never touches a file itself.
//
// Usage:
//
//	ardoise-gui [--socket PATH] [--lang fr,en,…] [--keep-open] [--start-session]
//
// With --keep-open (what the login entries use), it starts the window as a
// child and starts it again if it is killed (package gui/keepalive).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"os/user"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/theme"

	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/assets"
	"github.com/ardoise-fr/ardoise/gui/i18n"
	"github.com/ardoise-fr/ardoise/gui/idle"
	"github.com/ardoise-fr/ardoise/gui/keepalive"
	"github.com/ardoise-fr/ardoise/gui/speech"
	"github.com/ardoise-fr/ardoise/gui/usbkey"
	"github.com/ardoise-fr/ardoise/gui/window"
)

// usage is also the manual page's source (installer/deb/manpage): the
// synopsis, a paragraph, then the options.
func usage() {
	w := flag.CommandLine.Output()
	fmt.Fprint(w, `Usage:
  ardoise-gui [--socket PATH] [--lang fr,en,…] [--keep-open] [--start-session]

The window the public sees on a computer Ardoise looks after: the privacy
notice at the start of a session, the list of what the end will erase, and
the screen that says the computer is clean. It runs as the session's user,
in their graphical session, and talks to the agent (ardoise) over its local
socket; it never touches a file itself. With --keep-open, what the login
entry uses, it starts the window as a child and starts it again if it is
killed.

Options:
`)
	flag.PrintDefaults()
}

func main() {
	socket := flag.String("socket", "", "socket `PATH` of the agent (default: the foreground agent's if it runs, else the system service's)")
	langs := flag.String("lang", strings.Join(i18n.Order, ","), "languages offered, first one by default, comma-separated")
	keepOpen := flag.Bool("keep-open", false, "start the window again if it is killed (for the login entry)")
	startSession := flag.Bool("start-session", false, "ask the agent for a session at once, and end it at logout (for the login entry)")
	flag.Usage = usage
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if *keepOpen {
		os.Exit(keepWindowOpen(log))
	}

	sock := *socket
	if sock == "" {
		sock = ipc.SystemSocket
		if fg := ipc.ForegroundSocket(os.Getenv, os.Getuid()); exists(fg) {
			sock = fg
		}
	}
	client := ipc.NewClient(sock)

	a := app.NewWithID("fr.ardoise.window")
	if icon, err := iconPNG(assets.Icon, iconSize); err != nil {
		log.Warn("the window has no icon", "err", err)
	} else {
		a.SetIcon(fyne.NewStaticResource("ardoise.png", icon))
	}
	w := a.NewWindow("Ardoise")
	// The window's screens bring their own padding, and the window sizes
	// itself per screen (full screen, or small during the session).
	w.SetPadded(false)
	w.Resize(fyne.NewSize(760, 560))
	w.CenterOnScreen()
	// The person ends the session with the button, not by closing the
	// window: closing it would leave nobody to show the end screen.
	w.SetCloseIntercept(func() {})
	g := window.New(w, client, strings.Split(*langs, ","), log)
	if v := speech.Find(); v != nil {
		g.Voice = v
		log.Info("screens can be read aloud", "engine", v.Engine())
	} else {
		log.Info("no speech engine (espeak-ng, spd-say): no Écouter button")
	}
	if u, err := user.Current(); err == nil {
		g.FindKeys = func() []usbkey.Key {
			keys, err := usbkey.Find(u.Username)
			if err != nil {
				log.Warn("cannot list USB keys", "err", err)
			}
			return keys
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if *startSession {
		if !g.StartSession(ctx) {
			return
		}
		// The desktop ends the person's programs at logout: the session
		// ends with it (the agent also notices when none is left).
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, syscall.SIGTERM, syscall.SIGHUP)
		go func() {
			<-sigs
			ctx, stop := context.WithTimeout(context.Background(), 3*time.Second)
			defer stop()
			if _, err := client.End(ctx, ipc.EndRequest{Reason: ipc.ReasonLogout}); err != nil {
				log.Info("logout: the agent ends the session on its own", "err", err)
			}
			fyne.Do(a.Quit)
		}()
	}
	go g.Run(ctx)
	go g.FollowFocus(ctx, 200*time.Millisecond)
	if src, err := idle.New(); err != nil {
		log.Warn("idle time cannot be measured here; sessions end by the button, the maximum duration or closing time", "err", err)
	} else {
		defer src.Close()
		go g.ReportIdle(ctx, src, 10*time.Second)
	}
	if theme.DefaultEmojiFont() != nil {
		log.Info("built without -tags no_emoji: Fyne's emoji font costs about 12 MiB of memory (installer/build leaves it out)")
	}
	go settleMemory(g)
	log.Info("window started", "socket", sock)
	w.ShowAndRun()
}

// keepWindowOpen runs this program again without --keep-open, as long as
// the session lasts.
func keepWindowOpen(log *slog.Logger) int {
	self, err := os.Executable()
	if err != nil {
		log.Error("cannot find this program", "err", err)
		return 1
	}
	var args []string
	for _, a := range os.Args[1:] {
		if a != "--keep-open" && a != "-keep-open" {
			args = append(args, a)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = keepalive.Run(ctx, func(ctx context.Context) *exec.Cmd {
		c := exec.CommandContext(ctx, self, args...)
		c.Stdout, c.Stderr = os.Stdout, os.Stderr
		// Passed on as a request, so that the window can end the session
		// at logout; killed if it does not go.
		c.Cancel = func() error { return c.Process.Signal(syscall.SIGTERM) }
		c.WaitDelay = 5 * time.Second
		return c
	}, keepalive.Options{Log: log})
	if err != nil {
		log.Error("the window is not kept open", "err", err)
		return 1
	}
	return 0
}

// settleMemory gives back to the system, once the first screen is drawn,
// the memory Fyne used to parse its fonts and lay out that screen: the Go
// heap grows to twice what it keeps before collecting (GOGC=100), and
// keeps the pages after. A lower GOGC for the rest of the run keeps the
// heap near what the window holds (measured: BenchmarkWindowStart).
func settleMemory(g *window.Window) {
	debug.SetGCPercent(50)
	for range 100 {
		if s := g.Screen(); s != "" && s != "waiting" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	debug.FreeOSMemory()
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}
