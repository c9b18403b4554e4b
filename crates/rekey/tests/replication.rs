//! Replication across regions through the Rust AWS SDK: replicas follow
//! their primary, refuse writes, and can be promoted or removed.

mod common;

use common::{Server, error_of, stages, token};

#[tokio::test]
async fn replicas_follow_their_primary_and_refuse_writes() {
    use aws_sdk_secretsmanager::types::{ReplicaRegionType, StatusType, Tag};
    let server = Server::start();
    let east = server.client();
    let west = server.client_as("AKIDEXAMPLE", "us-west-2");
    let created = east
        .create_secret()
        .name("shared")
        .secret_string("v1")
        .client_request_token(token(1))
        .add_replica_regions(ReplicaRegionType::builder().region("us-west-2").build())
        .send()
        .await
        .unwrap();
    let status = created.replication_status();
    assert_eq!((status[0].region(), status[0].status()), (Some("us-west-2"), Some(&StatusType::InSync)));
    let arn = created.arn().unwrap().to_string();

    let got = west.get_secret_value().secret_id("shared").send().await.unwrap();
    assert_eq!(got.secret_string(), Some("v1"));
    assert_eq!(got.arn().unwrap(), arn.replace("us-east-1", "us-west-2"), "same name and suffix, other region");
    let d = west.describe_secret().secret_id("shared").send().await.unwrap();
    assert_eq!(d.primary_region(), Some("us-east-1"));
    assert_eq!(east.describe_secret().secret_id("shared").send().await.unwrap().primary_region(), Some("us-east-1"));

    // Changes of the primary reach the replica: value, labels, description, tags.
    east.put_secret_value()
        .secret_id("shared")
        .secret_string("v2")
        .client_request_token(token(2))
        .send()
        .await
        .unwrap();
    east.update_secret().secret_id("shared").description("now described").send().await.unwrap();
    east.tag_resource()
        .secret_id("shared")
        .tags(Tag::builder().key("team").value("core").build())
        .send()
        .await
        .unwrap();
    assert_eq!(west.get_secret_value().secret_id("shared").send().await.unwrap().secret_string(), Some("v2"));
    let previous = west.get_secret_value().secret_id("shared").version_stage("AWSPREVIOUS").send().await.unwrap();
    assert_eq!((previous.secret_string(), previous.version_id()), (Some("v1"), Some(token(1).as_str())));
    let d = west.describe_secret().secret_id("shared").send().await.unwrap();
    assert_eq!(d.description(), Some("now described"));
    assert_eq!(d.tags()[0].key(), Some("team"));
    assert_eq!(stages(&west, "shared").await, stages(&east, "shared").await);

    // A replica is read-only; a primary with replicas cannot be deleted
    // (AWS's answers: docs/behaviour.md §13.6).
    let replica_error = (
        "InvalidParameterException".to_string(),
        "Operation not permitted on a replica secret. Call must be made in primary secret's region.".to_string(),
    );
    let e = error_of(
        west.put_secret_value()
            .secret_id("shared")
            .secret_string("x")
            .client_request_token(token(3))
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(e, replica_error);
    let e = error_of(west.delete_secret().secret_id("shared").send().await.unwrap_err());
    assert_eq!(e, replica_error);
    let e = error_of(east.delete_secret().secret_id("shared").send().await.unwrap_err());
    let arn = east.describe_secret().secret_id("shared").send().await.unwrap().arn().unwrap().to_string();
    assert_eq!(
        e,
        (
            "InvalidParameterException".into(),
            format!("You can't delete secret {arn} that still has replica regions [us-west-2].")
        )
    );

    // A name taken in the target region: Failed, unless forced.
    let eu = server.client_as("AKIDEXAMPLE", "eu-west-1");
    eu.create_secret().name("shared").secret_string("local").client_request_token(token(9)).send().await.unwrap();
    let r = east
        .replicate_secret_to_regions()
        .secret_id("shared")
        .add_replica_regions(ReplicaRegionType::builder().region("eu-west-1").build())
        .send()
        .await
        .unwrap();
    let eu_status = r.replication_status().iter().find(|s| s.region() == Some("eu-west-1")).unwrap();
    assert_eq!(eu_status.status(), Some(&StatusType::Failed));
    assert_eq!(
        eu_status.status_message(),
        Some("Replication failed: Secret name shared already exists in region eu-west-1.")
    );
    assert_eq!(
        eu.get_secret_value().secret_id("shared").send().await.unwrap().secret_string(),
        Some("local"),
        "untouched"
    );
    east.replicate_secret_to_regions()
        .secret_id("shared")
        .add_replica_regions(ReplicaRegionType::builder().region("eu-west-1").build())
        .force_overwrite_replica_secret(true)
        .send()
        .await
        .unwrap();
    assert_eq!(eu.get_secret_value().secret_id("shared").send().await.unwrap().secret_string(), Some("v2"));
    let e = error_of(
        east.replicate_secret_to_regions()
            .secret_id("shared")
            .add_replica_regions(ReplicaRegionType::builder().region("us-east-1").build())
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(e.0, "InvalidParameterException");

    // Promote the EU replica; remove the US one.
    eu.stop_replication_to_replica().secret_id("shared").send().await.unwrap();
    eu.put_secret_value()
        .secret_id("shared")
        .secret_string("eu own")
        .client_request_token(token(4))
        .send()
        .await
        .unwrap();
    let left = east
        .remove_regions_from_replication()
        .secret_id("shared")
        .remove_replica_regions("us-west-2")
        .send()
        .await
        .unwrap();
    assert!(left.replication_status().is_empty());
    let e = error_of(west.describe_secret().secret_id("shared").send().await.unwrap_err());
    assert_eq!(e.0, "ResourceNotFoundException");
    assert!(east.describe_secret().secret_id("shared").send().await.unwrap().primary_region().is_none());
    east.put_secret_value()
        .secret_id("shared")
        .secret_string("v3")
        .client_request_token(token(5))
        .send()
        .await
        .unwrap();
    assert_eq!(
        eu.get_secret_value().secret_id("shared").send().await.unwrap().secret_string(),
        Some("eu own"),
        "detached"
    );
    east.delete_secret().secret_id("shared").force_delete_without_recovery(true).send().await.unwrap();
}
