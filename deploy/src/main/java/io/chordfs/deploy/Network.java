package io.chordfs.deploy;

import java.util.Comparator;
import java.util.List;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Subnet;
import software.amazon.awssdk.services.ec2.model.Vpc;

/** Where the group runs: the given subnets and their VPC, or the default VPC and its subnets. */
public record Network(String vpcId, List<String> subnetIds) {

    public static Network resolve(Ec2Client ec2, List<String> subnets) {
        if (subnets.isEmpty()) {
            List<Vpc> vpcs = ec2.describeVpcs(r -> r.filters(filter("isDefault", "true"))).vpcs();
            if (vpcs.isEmpty()) {
                throw new DeployException("this region has no default VPC; give --subnets");
            }
            String vpc = vpcs.get(0).vpcId();
            List<String> ids = ec2.describeSubnets(r -> r.filters(filter("vpc-id", vpc))).subnets().stream()
                    .sorted(Comparator.comparing(Subnet::availabilityZone).thenComparing(Subnet::subnetId))
                    .map(Subnet::subnetId).toList();
            if (ids.isEmpty()) {
                throw new DeployException("the default VPC " + vpc + " has no subnets; give --subnets");
            }
            return new Network(vpc, ids);
        }
        List<Subnet> found = ec2.describeSubnets(r -> r.subnetIds(subnets)).subnets();
        List<String> vpcs = found.stream().map(Subnet::vpcId).distinct().toList();
        if (vpcs.size() != 1) {
            throw new DeployException("--subnets must all be in one VPC; they are in " + vpcs);
        }
        return new Network(vpcs.get(0), List.copyOf(subnets));
    }

    static Filter filter(String name, String... values) {
        return Filter.builder().name(name).values(values).build();
    }
}
