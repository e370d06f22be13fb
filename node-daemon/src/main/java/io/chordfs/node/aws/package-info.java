/**
 * The node on EC2: {@code node-daemon run --aws [--asg NAME] [--address private|public]}.
 *
 * <ul>
 * <li><b>Identity</b> ({@link io.chordfs.node.aws.InstanceIdentity}, {@link io.chordfs.node.aws.Imds}):
 *     IMDSv2 through the SDK's {@code imds} module (token PUT with a TTL, then GETs with the
 *     token): instance id, private and public IPv4, region; the group from {@code --asg}, else the
 *     {@code aws:autoscaling:groupName} tag from instance metadata (when tags are enabled there),
 *     else from EC2 DescribeTags ({@link io.chordfs.node.aws.Ec2GroupTag}).</li>
 * <li><b>Discovery</b> ({@link io.chordfs.node.aws.Discovery}): the group's members from
 *     DescribeAutoScalingGroups and DescribeInstances; join through the first that answers on the
 *     Chord port and takes the join; create a ring only when none does and this instance has the
 *     lowest instance id (string order) among the Pending and InService members and itself;
 *     otherwise retry with backoff (1 s doubling to 30 s, forever, one log line per round).
 *     Pending members count so two instances that are both still Pending agree on who creates.
 *     A known limit: if every node of a running ring is unreachable while the lowest instance's
 *     node restarts, it starts a second ring (a network partition the rule cannot see).</li>
 * <li><b>Metric</b> ({@link io.chordfs.node.aws.MetricPublisher}): every 60 s PutMetricData
 *     {@code ChordFS/disk_used_percent} (the store's used percent: the data directory's file
 *     system, or the {@code --capacity} quota) with {@code AutoScalingGroupName}, and again with
 *     {@code InstanceId} added. The names match the deploy tool's alarm (deploy's {@code Names}).</li>
 * <li><b>Scale-in</b> ({@link io.chordfs.node.aws.LifecycleWatcher}): polls IMDS
 *     {@code autoscaling/target-lifecycle-state} every 5 s; on {@code Terminated} runs the graceful
 *     leave (hand-over bounded by 120 s) while sending RecordLifecycleActionHeartbeat every 60 s
 *     (the hook's heartbeat timeout is 300 s), then CompleteLifecycleAction CONTINUE on the hook
 *     {@code GROUP-drain} (the deploy tool's name), and the process exits 0. SIGTERM still does the
 *     graceful leave; the node leaves once whichever comes first.
 *     No scale-in protection for new instances: a node chosen for termination hands its data
 *     over before the hook lets it go, so any instance may be the one removed.</li>
 * <li><b>Addresses</b>: the node always listens on the instance's private address. It announces
 *     the private one by default; {@code --address public} announces the public IPv4 (EC2 puts it
 *     on no interface and delivers its traffic to the private address), so clients outside the
 *     VPC, which reach members at the addresses the ring names, can use the ring. The group's
 *     nodes then reach each other at their public addresses too, which a security group rule
 *     naming the group itself does not match: their ports must be open to those addresses.</li>
 * </ul>
 */
package io.chordfs.node.aws;
