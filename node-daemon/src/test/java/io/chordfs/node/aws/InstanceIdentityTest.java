package io.chordfs.node.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.HttpURLConnection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The identity through the SDK's IMDS client against a local server behaving like IMDSv2. */
class InstanceIdentityTest {
    private FakeImds server;
    private Imds imds;
    private final List<String> lookups = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = new FakeImds()
                .put("instance-id", "i-0123456789abcdef0")
                .put("local-ipv4", "10.0.1.17")
                .put("placement/region", "eu-west-1");
        imds = Imds.connect(server.endpoint());
    }

    @AfterEach
    void stop() {
        imds.close();
        server.close();
    }

    private InstanceIdentity fetch(String asg) {
        return InstanceIdentity.fetch(imds, asg, (id, region) -> {
            lookups.add(id + "@" + region);
            return Optional.of("from-describe-tags");
        });
    }

    @Test
    void readsIdentityWithTokenAndGroupFromMetadataTags() throws Exception {
        server.put("public-ipv4", "203.0.113.9").put("tags/instance/aws:autoscaling:groupName", "prod");
        InstanceIdentity me = fetch(null);
        assertEquals(new InstanceIdentity("i-0123456789abcdef0", "10.0.1.17", "203.0.113.9", "eu-west-1", "prod"), me);
        assertEquals("10.0.1.17", me.address(AddressKind.PRIVATE));
        assertEquals("203.0.113.9", me.address(AddressKind.PUBLIC));
        assertTrue(lookups.isEmpty(), "no DescribeTags when metadata carries the tag");
        // IMDSv2: a token was asked for with a TTL, and no GET went unauthorised.
        assertFalse(server.ttlsAsked.isEmpty());
        assertTrue(server.ttlsAsked.stream().allMatch(t -> t > 0 && t <= 21600), server.ttlsAsked.toString());
        assertTrue(server.requests.contains("PUT /latest/api/token 200"), server.requests.toString());
        assertTrue(server.requests.stream().noneMatch(r -> r.endsWith(" 401")), server.requests.toString());
        // The server really refuses a token-less GET, as IMDSv2 does.
        HttpURLConnection c = (HttpURLConnection) server.endpoint().resolve("/latest/meta-data/instance-id")
                .toURL().openConnection();
        assertEquals(401, c.getResponseCode());
    }

    @Test
    void fallsBackToDescribeTagsWithoutTagsInMetadata() {
        InstanceIdentity me = fetch(null);
        assertEquals("from-describe-tags", me.group());
        assertEquals(List.of("i-0123456789abcdef0@eu-west-1"), lookups);
        assertNull(me.publicIp());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> me.address(AddressKind.PUBLIC));
        assertTrue(e.getMessage().contains("no public IP"), e.getMessage());
        assertTrue(server.requests.contains("GET /latest/meta-data/public-ipv4 404"), server.requests.toString());
    }

    @Test
    void asgOptionWinsOverTags() {
        server.put("tags/instance/aws:autoscaling:groupName", "prod");
        assertEquals("given", fetch("given").group());
        assertTrue(lookups.isEmpty());
        assertTrue(server.requests.stream().noneMatch(r -> r.contains("/tags/")), server.requests.toString());
    }

    @Test
    void noGroupAnywhereIsAClearError() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> InstanceIdentity.fetch(imds, null, (id, region) -> Optional.empty()));
        assertTrue(e.getMessage().contains("--asg"), e.getMessage());
    }

    @Test
    void missingRequiredEntryFails() {
        server.values.remove("/latest/meta-data/local-ipv4");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> fetch("g"));
        assertTrue(e.getMessage().contains("local-ipv4"), e.getMessage());
    }
}
