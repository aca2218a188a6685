package dev.ssekit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The example page in a real browser: the system's headless Chromium, driven through its own
 * chromedriver. Nothing is downloaded: without the Debian packages the test is skipped, and under
 * CI ({@code CI=true}) it fails instead.
 */
class ExampleBrowserTest {

    // Debian's packages; elsewhere, point -Dchromium and -Dchromedriver at a matching pair.
    private static final Path CHROMIUM = Paths.get(System.getProperty("chromium", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER = Paths.get(System.getProperty("chromedriver", "/usr/bin/chromedriver"));
    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path profiles;

    private ExampleApp app;
    private String base;
    private ChromeDriver driver; // the browser the helpers below act in
    private final List<ChromeDriver> browsers = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            String how = "the browser test needs Chromium at " + CHROMIUM + " and its driver at " + CHROMEDRIVER
                    + "; install both with `apt-get install -y chromium chromium-driver`";
            if ("true".equals(System.getenv("CI"))) {
                fail(how);
            }
            System.err.println("Skipped: " + how);
            Assumptions.abort(how);
        }
        app = ExampleApp.start("127.0.0.1", 0);
        base = "http://127.0.0.1:" + app.port() + "/";

        driver = newBrowser("first");
    }

    /** Starts a headless Chromium with a profile (so cookies, so a session) of its own. */
    private ChromeDriver newBrowser(String name) throws IOException {
        Path profile = Files.createDirectories(profiles.resolve(name));
        // Both paths are given, so Selenium Manager has nothing to look up or download.
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1280,900",
                "--user-data-dir=" + profile);
        ChromeDriver browser = new ChromeDriver(service, options);
        browsers.add(browser);
        return browser;
    }

    @AfterEach
    void stop() {
        for (ChromeDriver browser : browsers) {
            browser.quit();
        }
        if (app != null) {
            app.close();
        }
    }

    @Test
    void twoPagesChatInARoomSendDirectMessagesAndWatchTheTickerAndStats() throws Exception {
        String alice = driver.getWindowHandle();
        driver.get(base);
        join("alice", "e2e");
        String aliceId = connectionId();

        String bob = driver.switchTo().newWindow(WindowType.WINDOW).getWindowHandle();
        driver.get(base);
        join("bob", "e2e");
        String bobId = connectionId();
        assertThat(bobId).isNotEqualTo(aliceId);

        // A room message reaches the other page.
        driver.switchTo().window(alice);
        send("chat-text", "chat-form", "Hello from Alice");
        driver.switchTo().window(bob);
        await("Bob sees Alice's message", d -> chatTexts().contains("Hello from Alice"));
        send("chat-text", "chat-form", "Hi Alice, Bob here");
        driver.switchTo().window(alice);
        await("Alice sees Bob's reply", d -> chatTexts().contains("Hi Alice, Bob here"));

        // A direct message reaches its target and no one else, not even a room mate.
        driver.findElement(By.id("direct-to")).sendKeys(bobId);
        send("direct-text", "direct-form", "A secret for Bob");
        await("Alice's page says it was delivered", d -> text("direct-status").startsWith("Delivered"));
        driver.switchTo().window(bob);
        await("Bob sees the direct message", d -> texts("#direct-log .text").contains("A secret for Bob"));
        driver.switchTo().window(alice);
        assertThat(texts("#direct-log .text")).doesNotContain("A secret for Bob");

        // The ticker advances and the stats move, both over the page's own stream.
        long tick = awaitNumber("tick-count");
        await("the ticker advances", d -> number("tick-count") > tick);
        long published = awaitNumber("stat-events");
        await("the stats move", d -> number("stat-events") > published);
        assertThat(number("stat-connections")).isGreaterThanOrEqualTo(2);

        // Switching the ticker off leaves the ticker room (POST sse/subscriptions, as the page's
        // owner): Alice's count stops while Bob's goes on; switching it back on resumes it.
        driver.findElement(By.id("ticker-on")).click();
        await(
                "Alice's page left the ticker room",
                d -> "false".equals(driver.findElement(By.id("ticker")).getAttribute("data-listening")));
        long stopped = number("tick-count");
        driver.switchTo().window(bob);
        long bobTick = awaitNumber("tick-count");
        await("Bob's ticker goes on", d -> number("tick-count") >= bobTick + 3);
        driver.switchTo().window(alice);
        assertThat(number("tick-count")).as("Alice's ticker, switched off").isBetween(stopped, stopped + 1);
        driver.findElement(By.id("ticker-on")).click();
        await("Alice's ticker resumes", d -> number("tick-count") > stopped + 2);

        // The server drops Bob's stream; three messages go out while he is away. The browser
        // reconnects by itself with Last-Event-ID and shows each missed message exactly once.
        driver.switchTo().window(bob);
        app.registry().connection(UUID.fromString(bobId)).orElseThrow().close();
        for (int i = 1; i <= 3; i++) {
            postChat("e2e", "carol", "While you were away " + i);
        }
        await("Bob reconnected and caught up", d -> chatTexts().contains("While you were away 3"));
        assertThat(connectionId()).isNotEqualTo(bobId);
        assertThat(chatTexts())
                .containsExactly(
                        "Hello from Alice",
                        "Hi Alice, Bob here",
                        "While you were away 1",
                        "While you were away 2",
                        "While you were away 3");

        // Joining a room shows its recent messages: Alice leaves for another room and comes back.
        driver.switchTo().window(alice);
        join("alice", "elsewhere");
        await("Alice's chat is empty in a new room", d -> chatTexts().isEmpty());
        join("alice", "e2e");
        await("Alice sees the room's history", d -> chatTexts().size() == 5);
        assertThat(chatTexts())
                .containsExactly(
                        "Hello from Alice",
                        "Hi Alice, Bob here",
                        "While you were away 1",
                        "While you were away 2",
                        "While you were away 3");

        // What a person sees: a laptop's window, and a phone's width with the whole page.
        driver.switchTo().window(bob);
        screenshot("example.png");
        driver.manage().window().setSize(new Dimension(390, 1800));
        screenshot("example-phone.png");
    }

    @Test
    void twoVisitorsSeeEachOtherArriveInTheRoomAndLeave() throws Exception {
        // Two browsers, so two sessions: two windows of one browser are one visitor, counted once.
        ChromeDriver alice = driver;
        ChromeDriver bob = newBrowser("second");

        driver = alice;
        driver.get(base);
        join("alice", "meeting");
        await(
                "Alice sees herself alone in the room",
                d -> text("presence-count").equals("1")
                        && texts("#presence-members li").equals(List.of("alice")));

        driver = bob;
        driver.get(base);
        join("bob", "meeting");
        await(
                "Bob sees Alice and himself",
                d -> text("presence-count").equals("2")
                        && texts("#presence-members li").stream()
                                .sorted()
                                .toList()
                                .equals(List.of("alice", "bob")));

        driver = alice;
        await(
                "Alice sees Bob arrive",
                d -> text("presence-count").equals("2")
                        && texts("#presence-members li").stream()
                                .sorted()
                                .toList()
                                .equals(List.of("alice", "bob")));

        // Bob closes his browser; the server notices at its next write to that stream (the stats
        // come every two seconds), and the room's members hear he left.
        browsers.remove(bob);
        bob.quit();
        await(
                "Alice sees Bob leave",
                d -> text("presence-count").equals("1")
                        && texts("#presence-members li").equals(List.of("alice")));
    }

    // ---- using the page, as a person would ------------------------------------------------------

    private void join(String name, String room) {
        await("the page is live", d -> text("status").equals("live"));
        WebElement nameInput = driver.findElement(By.id("name"));
        nameInput.clear();
        nameInput.sendKeys(name);
        WebElement roomInput = driver.findElement(By.id("room"));
        roomInput.clear();
        roomInput.sendKeys(room);
        driver.findElement(By.cssSelector("#join-form button")).click();
        await(
                "the page is in room " + room,
                d -> text("room-label").equals(room) && text("status").equals("live"));
    }

    private String connectionId() {
        await("the page shows its connection id", d -> text("my-id").matches("[0-9a-f-]{36}"));
        return text("my-id");
    }

    private void send(String inputId, String formId, String message) {
        driver.findElement(By.id(inputId)).sendKeys(message);
        driver.findElement(By.cssSelector("#" + formId + " button[type=submit]"))
                .click();
        await(
                "the input is cleared after sending",
                d -> driver.findElement(By.id(inputId)).getAttribute("value").isEmpty());
    }

    private String text(String id) {
        return driver.findElement(By.id(id)).getText();
    }

    /**
     * The texts of the elements matching {@code css}, read in one script: the page re-renders lists
     * as events arrive, and reading element by element could meet one already replaced.
     */
    private List<String> texts(String css) {
        List<?> texts = (List<?>) ((JavascriptExecutor) driver)
                .executeScript(
                        "return Array.from(document.querySelectorAll(arguments[0]), e => e.innerText.trim());", css);
        return texts.stream().map(String::valueOf).toList();
    }

    private List<String> chatTexts() {
        return texts("#chat-log .text");
    }

    private long number(String id) {
        String digits = text(id).replaceAll("[^0-9]", "");
        return digits.isEmpty() ? -1 : Long.parseLong(digits);
    }

    private long awaitNumber(String id) {
        await(id + " shows a number", d -> number(id) >= 0);
        return number(id);
    }

    private void await(String what, Function<WebDriver, Boolean> condition) {
        new WebDriverWait(driver, WAIT).withMessage(what).until(condition::apply);
    }

    private void postChat(String room, String name, String message) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "sse?event=chat&room=" + room))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + name + "\",\"text\":\"" + message + "\"}"))
                .build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    private void screenshot(String name) throws IOException {
        driver.executeScript("window.scrollTo(0, 0)");
        File shot = driver.getScreenshotAs(OutputType.FILE);
        Path target = Paths.get("target", name);
        Files.createDirectories(target.getParent());
        Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
    }
}
